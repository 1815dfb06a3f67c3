/**
 * A self-contained HTML page for one run: CDFs of time-to-update and gossip delay, the
 * deployment's timeline, and the summary tables. Inline SVG, no scripts, no build step.
 */
import type { Distribution } from '../engine/index.js'
import type { SimReport } from './build-report.js'

const W = 560
const H = 260
const PAD = 44

const esc = (text: string): string => text.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c)

const seconds = (v: number): string => `${(v / 1_000).toFixed(v < 10_000 ? 2 : 0)} s`
const kib = (v: number): string => `${(v / 1_024).toFixed(0)} KiB`

/** An empirical CDF of sorted samples. */
function cdf (title: string, sorted: readonly number[], label: (v: number) => string = seconds): string {
  if (sorted.length === 0) return `<figure><figcaption>${esc(title)}: no samples</figcaption></figure>`
  const maxX = Math.max(1, sorted.at(-1) ?? 1)
  const x = (v: number): number => PAD + (v / maxX) * (W - 2 * PAD)
  const y = (f: number): number => H - PAD - f * (H - 2 * PAD)
  const points = sorted.map((v, i) => `${x(v).toFixed(1)},${y((i + 1) / sorted.length).toFixed(1)}`).join(' ')
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(f => {
    const v = f * maxX
    return `<text x="${x(v)}" y="${H - PAD + 16}" text-anchor="middle">${label(v)}</text>` +
      `<text x="${PAD - 6}" y="${y(f) + 4}" text-anchor="end">${Math.round(f * 100)}%</text>` +
      `<line x1="${PAD}" x2="${W - PAD}" y1="${y(f)}" y2="${y(f)}" stroke="#eee"/>`
  }).join('')
  return `<figure><figcaption>${esc(title)}</figcaption><svg width="${W}" height="${H}" font-size="11" font-family="sans-serif">` +
    `${ticks}<line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD}" y2="${H - PAD}" stroke="#333"/><line x1="${PAD}" y1="${PAD}" x2="${PAD}" y2="${H - PAD}" stroke="#333"/>` +
    `<polyline fill="none" stroke="#2563eb" stroke-width="2" points="${points}"/></svg></figure>`
}

/** Devices on the new version, updating and offline over virtual time, with the audit events as ticks. */
function progress (r: SimReport): string {
  const samples = r.progress
  if (samples.length === 0) return ''
  const endMs = Math.max(1, samples.at(-1)?.atMs ?? 1)
  const devices = Math.max(1, r.nodes - 1)
  const x = (ms: number): number => PAD + (ms / endMs) * (W - 2 * PAD)
  const y = (n: number): number => H - PAD - (n / devices) * (H - 2 * PAD)
  const line = (pick: (s: SimReport['progress'][number]) => number, color: string): string =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${samples.map(s => `${x(s.atMs).toFixed(1)},${y(pick(s)).toFixed(1)}`).join(' ')}"/>`
  const marks = r.deployment.timeline.map(m => `<line x1="${x(m.atMs)}" x2="${x(m.atMs)}" y1="${PAD}" y2="${H - PAD}" stroke="${m.event.startsWith('roll') ? '#dc2626' : '#9ca3af'}" stroke-dasharray="3,3"><title>${esc(m.event)}</title></line>`).join('')
  const axis = [0, 0.5, 1].map(f => `<text x="${x(f * endMs)}" y="${H - PAD + 16}" text-anchor="middle">${seconds(f * endMs)}</text><text x="${PAD - 6}" y="${y(f * devices) + 4}" text-anchor="end">${Math.round(f * devices)}</text>`).join('')
  return `<figure><figcaption>Per-phase progress: <span style="color:#16a34a">on ${esc(r.scenario.includes('bad') ? 'the new (bad) version' : 'the new version')}</span>, <span style="color:#f59e0b">updating</span>, <span style="color:#6b7280">offline</span>; dashed: audit events</figcaption>` +
    `<svg width="${W}" height="${H}" font-size="11" font-family="sans-serif">${axis}${marks}<line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD}" y2="${H - PAD}" stroke="#333"/>` +
    `${line(s => s.onNew, '#16a34a')}${line(s => s.updating, '#f59e0b')}${line(s => s.offline, '#6b7280')}</svg></figure>`
}

/** Audit events on a time axis, one row per event kind. */
function timeline (r: SimReport): string {
  const marks = r.deployment.timeline
  const end = Math.max(r.simulatedMs, 1)
  const x = (ms: number): number => PAD + (ms / end) * (W - 2 * PAD)
  const rows = marks.map((m, i) => `<circle cx="${x(m.atMs).toFixed(1)}" cy="${30 + i * 18}" r="4" fill="${m.event.startsWith('roll') ? '#dc2626' : '#16a34a'}"/>` +
    `<text x="${x(m.atMs) + 8}" y="${34 + i * 18}">${esc(`${(m.atMs / 1_000).toFixed(1)} s ${m.event} (phase ${m.phase})`)}</text>`).join('')
  const h = 50 + marks.length * 18
  return `<figure><figcaption>Deployment timeline (virtual time, ${(end / 1_000).toFixed(0)} s simulated)</figcaption>` +
    `<svg width="${W + 200}" height="${h}" font-size="11" font-family="sans-serif"><line x1="${PAD}" y1="16" x2="${W - PAD}" y2="16" stroke="#333"/>${rows}</svg></figure>`
}

function row (name: string, d: Distribution, unit = 'ms'): string {
  const f = (v: number): string => Number.isNaN(v) ? '-' : String(Math.round(v))
  return `<tr><th>${esc(name)} (${unit})</th><td>${d.count}</td><td>${f(d.p50)}</td><td>${f(d.p90)}</td><td>${f(d.p99)}</td><td>${f(d.max)}</td></tr>`
}

export function renderHtml (r: SimReport): string {
  const violations = r.violations.map(v => `<li>[${v.kind}] ${esc(v.invariant)} at ${v.atMs} ms: ${esc(v.message)}</li>`).join('')
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(`${r.scenario} seed ${r.seed}`)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px}figure{display:inline-block;margin:0 1em 1em 0}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}.fail{color:#dc2626}.pass{color:#16a34a}</style></head><body>
<h1>${esc(r.scenario)} · ${r.nodes} nodes · seed ${r.seed}: <span class="${r.ok ? 'pass' : 'fail'}">${r.ok ? 'PASS' : 'FAIL'}</span></h1>
<p>Deployment ${esc(r.deployment.id)} ended <b>${esc(r.deployment.status)}</b>; converged at ${r.deployment.convergedMs ?? '-'} ms; rollback ${r.deployment.rollbackMs ?? '-'} ms.
${r.events} events in ${r.wallMs} ms wall (${r.eventsPerSecond} events/s), peak RSS ${r.peakRssMiB} MiB. Trace hash <code>${r.traceHash}</code>.</p>
${r.ok ? '' : `<p class="fail">${r.violationCount} violation(s): ${esc(r.reproduce)}</p><ul>${violations}</ul>`}
${timeline(r)}
${cdf('CDF of time-to-update (plan published → device switched)', r.samples.timeToUpdateMs)}
${cdf('CDF of gossip delay (publish → first acceptance per node)', r.samples.gossipDelayMs)}
${progress(r)}
${cdf('CDF of bytes received per device (plans, gossip control, sync, acks)', r.samples.bytesReceived, kib)}
<table><tr><th></th><th>n</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>
${row('artifact fetch (swarm)', r.swarm.fetchMs)}${r.mcu === null ? '' : row('MCU image over serial', r.mcu.serialTransferMs) + row('MCU image over LoRa', r.mcu.loraTransferMs)}${row('time-to-update', r.timeToUpdateMs)}${row('gossip delay', r.gossipDelayMs)}${row('delay via anti-entropy', r.syncDelayMs)}${row('bytes sent per device', r.bytesPerNode.sent, 'B')}${row('bytes received per device', r.bytesPerNode.received, 'B')}</table>
<h2>Artifact distribution vs the fluid bound</h2>
<p>${r.swarm.blocksPerArtifact} blocks of ${Math.round(r.swarm.blockBytes / 1024)} KiB; the coordinator uploaded ${r.swarm.seedCopies} copies of the new version. Bound: max(S/u<sub>seeds</sub>, S/d<sub>min</sub>, N·S/(u<sub>seeds</sub>+Σu<sub>peers</sub>)).</p>
<table><tr><th>artifact</th><th>fetchers</th><th>failed</th><th>seeds</th><th>all done (ms)</th><th>fluid bound (ms)</th><th>ratio</th></tr>
${r.swarm.waves.map(w => `<tr><td>${esc(w.key)}</td><td>${w.fetchers}</td><td>${w.failed}</td><td>${w.seeds}</td><td>${w.distributionMs}</td><td>${w.boundMs}</td><td>${w.ratio}</td></tr>`).join('')}</table>
</body></html>
`
}
