// Inline SVG line charts: no library, a few hundred points at most (the API downsamples).
const W = 360
const H = 160
const PAD = { l: 44, r: 8, t: 18, b: 20 }

export function formatValue (v, unit) {
  if (v == null || Number.isNaN(v)) return '–'
  if (unit === 'bytes') {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
    let i = 0
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++ }
    return `${v.toFixed(v >= 100 || i === 0 ? 0 : 1)} ${units[i]}`
  }
  if (unit === '%') return `${v.toFixed(1)} %`
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)
}

/** A chart of points [{ t, v, min?, max? }] as an SVG element; rollup points draw their min–max band. */
export function lineChart (title, points, unit) {
  const ns = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`)
  svg.setAttribute('class', 'chart')
  svg.setAttribute('role', 'img')
  svg.setAttribute('aria-label', title)
  const add = (tag, attrs, text) => {
    const el = document.createElementNS(ns, tag)
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
    if (text != null) el.textContent = text
    svg.appendChild(el)
    return el
  }
  add('text', { x: PAD.l, y: 12 }, `${title}${points.length > 0 ? ` · ${formatValue(points.at(-1).v, unit)}` : ' · no data'}`)
  if (points.length === 0) return svg
  const t0 = points[0].t
  const t1 = Math.max(points.at(-1).t, t0 + 1)
  let lo = Math.min(...points.map(p => p.min ?? p.v))
  let hi = Math.max(...points.map(p => p.max ?? p.v))
  if (unit === '%') { lo = Math.min(lo, 0); hi = Math.max(hi, 100) }
  if (hi === lo) { hi += 1; lo -= 1 }
  const x = t => PAD.l + (W - PAD.l - PAD.r) * (t - t0) / (t1 - t0)
  const y = v => H - PAD.b - (H - PAD.t - PAD.b) * (v - lo) / (hi - lo)
  for (const v of [lo, (lo + hi) / 2, hi]) {
    add('line', { class: 'grid', x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v) })
    add('text', { x: 2, y: y(v) + 3 }, formatValue(v, unit))
  }
  if (points.some(p => p.min != null)) {
    const top = points.map(p => `${x(p.t).toFixed(1)},${y(p.max ?? p.v).toFixed(1)}`)
    const bottom = points.map(p => `${x(p.t).toFixed(1)},${y(p.min ?? p.v).toFixed(1)}`).reverse()
    add('path', { class: 'band', d: `M${top.join('L')}L${bottom.join('L')}Z` })
  }
  add('path', { class: 'line', d: 'M' + points.map(p => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('L') })
  add('text', { x: PAD.l, y: H - 5 }, new Date(t0).toLocaleTimeString())
  add('text', { x: W - PAD.r - 50, y: H - 5 }, new Date(t1).toLocaleTimeString())
  return svg
}
