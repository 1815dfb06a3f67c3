// One render function per page. Each returns a cleanup function (closing its event stream).
// Every value from the API goes through esc() before it lands in HTML.
import { api, streamJsonLines, subscribe } from './api.js'
import { formatValue, lineChart } from './charts.js'

export const esc = (v) => String(v ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
const short = (id) => id.length > 16 ? `${id.slice(0, 6)}…${id.slice(-6)}` : id
const ago = (ms) => ms == null ? 'never' : `${Math.max(0, Math.round((Date.now() - ms) / 1000))} s ago`
const ROLE_RANK = { viewer: 0, operator: 1, admin: 2 }

function setBar (el, fraction) {
  const inner = el.querySelector('span')
  if (inner != null) inner.style.width = `${Math.round(100 * Math.min(1, Math.max(0, fraction)))}%`
}

function progressOf (d) {
  if (d.state === 'succeeded') return 1
  // Running: half way through the current phase; waiting, paused or rolling back: the phases before it are done.
  return d.phases > 0 ? Math.min(1, (d.phase + (d.state === 'running' ? 0.5 : 0)) / d.phases) : 0
}

function deploymentRow (d) {
  return `<tr data-deployment-id="${esc(d.id)}"><td><a href="#/deployments/${encodeURIComponent(d.id)}">${esc(d.id)}</a></td>
    <td>${esc(d.app)}</td><td>${esc(d.version)}</td><td>${esc(d.strategy)}</td>
    <td class="state ${esc(d.state)}">${esc(d.state)}</td>
    <td><span class="bar"><span></span></span> phase <span class="phase-no">${d.phase + 1}</span>/${d.phases}</td>
    <td>${d.counts.devices} reporting, ${d.counts.errors} errors</td></tr>`
}

export async function fleetView (view) {
  view.innerHTML = `<h1>Fleet health</h1>
    <div class="cards">
      <div class="card"><div class="value" id="devices-total">…</div><div class="label">devices</div></div>
      <div class="card"><div class="value online" id="devices-online">…</div><div class="label">online</div></div>
      <div class="card"><div class="value offline" id="devices-offline">…</div><div class="label">offline</div></div>
      <div class="card"><div class="value" id="telemetry-reporting">…</div><div class="label">sending telemetry</div></div>
      <div class="card"><div class="value" id="cpu-avg">…</div><div class="label">mean CPU</div></div>
      <div class="card"><div class="value" id="mem-avg">…</div><div class="label">mean memory used</div></div>
      <div class="card"><div class="value" id="alerts-firing">…</div><div class="label"><a href="#/alerts">alerts firing</a></div></div>
      <div class="card"><div class="value" id="deployments-active">…</div><div class="label">active deployments</div></div>
    </div>
    <h2>Deployments</h2>
    <table><thead><tr><th>id</th><th>app</th><th>version</th><th>strategy</th><th>state</th><th>progress</th><th>reports</th></tr></thead><tbody id="fleet-deployments"></tbody></table>`
  const show = (h) => {
    view.querySelector('#devices-total').textContent = h.devices.total
    view.querySelector('#devices-online').textContent = h.devices.online
    view.querySelector('#devices-offline').textContent = h.devices.offline
    view.querySelector('#telemetry-reporting').textContent = h.telemetry.reporting
    view.querySelector('#cpu-avg').textContent = formatValue(h.telemetry.cpuPercentAvg, '%')
    view.querySelector('#mem-avg').textContent = formatValue(h.telemetry.memoryUsedPercentAvg, '%')
    view.querySelector('#alerts-firing').textContent = h.alerts.firing
    view.querySelector('#deployments-active').textContent = h.deployments.active
  }
  const rows = view.querySelector('#fleet-deployments')
  const upsert = (d) => {
    const html = deploymentRow(d)
    const existing = rows.querySelector(`tr[data-deployment-id="${CSS.escape(d.id)}"]`)
    if (existing != null) existing.outerHTML = html
    else rows.insertAdjacentHTML('beforeend', html)
    setBar(rows.querySelector(`tr[data-deployment-id="${CSS.escape(d.id)}"] .bar`), progressOf(d))
  }
  const { health, deployments } = await api('GET', '/api/v1/fleet/health')
  show(health)
  for (const d of deployments) upsert(d)
  return subscribe('topics=fleet,deployments', (event, data) => {
    if (event === 'fleet') show(data)
    if (event === 'deployment') upsert(data)
  })
}

export async function devicesView (view, params) {
  const status = params.get('status') ?? ''
  const after = params.get('after')
  view.innerHTML = `<h1>Devices</h1>
    <div class="toolbar"><label>Status <select id="status-filter"><option value="">all</option><option>online</option><option>offline</option></select></label>
    <span class="muted" id="devices-count"></span><button id="next-page" type="button" hidden>Next page</button></div>
    <table id="devices"><thead><tr><th>name</th><th>id</th><th>status</th><th>health</th><th>platform</th><th>apps</th><th>CPU</th><th>memory</th><th>last seen</th></tr></thead><tbody></tbody></table>`
  const select = view.querySelector('#status-filter')
  select.value = status
  select.addEventListener('change', () => { location.hash = `#/devices${select.value !== '' ? `?status=${select.value}` : ''}` })
  const query = new URLSearchParams({ limit: '100' })
  if (status !== '') query.set('status', status)
  if (after != null) query.set('after', after)
  const { devices, next } = await api('GET', `/api/v1/devices?${query}`)
  const latest = new Map()
  if (devices.length > 0) {
    const { samples } = await api('GET', `/api/v1/telemetry/latest?ids=${devices.map(d => encodeURIComponent(d.id)).join(',')}`)
    for (const s of samples) latest.set(s.deviceId, s.metrics)
  }
  view.querySelector('tbody').innerHTML = devices.map(d => {
    const m = latest.get(d.id) ?? {}
    const apps = Object.entries(d.apps).map(([name, a]) => `${esc(name)}@${esc(a.version)}`).join(', ')
    return `<tr data-device-id="${esc(d.id)}"><td><a href="#/devices/${encodeURIComponent(d.id)}">${esc(d.name || short(d.id))}</a></td>
      <td class="id">${esc(short(d.id))}</td><td class="${esc(d.status)}">${esc(d.status)}</td><td class="${esc(d.health)}">${esc(d.health)}</td>
      <td>${esc(d.platform)}</td><td>${apps}</td><td>${formatValue(m.cpu_percent, '%')}</td>
      <td>${formatValue(m.memory_used_bytes, 'bytes')}</td><td>${esc(ago(d.lastSeenMs))}</td></tr>`
  }).join('')
  view.querySelector('#devices-count').textContent = `${devices.length} shown`
  const nextButton = view.querySelector('#next-page')
  if (next != null) {
    nextButton.hidden = false
    nextButton.addEventListener('click', () => { location.hash = `#/devices?${new URLSearchParams({ ...(status !== '' ? { status } : {}), after: next })}` })
  }
  return () => {}
}

const DEVICE_CHARTS = [['cpu_percent', 'CPU', '%'], ['memory_used_bytes', 'Memory used', 'bytes'], ['load1', 'Load (1 min)', ''], ['net_rx_bytes', 'Network received', 'bytes']]

export async function deviceView (view, id) {
  const [device, latest] = await Promise.all([
    api('GET', `/api/v1/devices/${encodeURIComponent(id)}`),
    api('GET', `/api/v1/devices/${encodeURIComponent(id)}/metrics`).catch(() => null)
  ])
  const appNames = Object.keys(device.apps)
  view.innerHTML = `<h1>${esc(device.name || short(device.id))} <span class="${esc(device.status)}">${esc(device.status)}</span></h1>
    <p class="id">${esc(device.id)} · ${esc(device.platform)} · agent ${esc(device.agentVersion)} · last seen ${esc(ago(device.lastSeenMs))}</p>
    <h2>Metrics (last hour, live)</h2><div class="charts" id="charts"></div>
    <h2>Apps</h2>
    <table id="device-apps"><thead><tr><th>app</th><th>version</th><th>health</th><th>step</th><th>deployment</th><th>CPU</th><th>memory</th><th>restarts</th></tr></thead><tbody></tbody></table>
    <h2>Logs</h2>
    <div class="toolbar"><label>App <select id="logs-app">${appNames.map(a => `<option>${esc(a)}</option>`).join('')}</select></label>
      <span class="muted" id="logs-status"></span></div>
    <pre id="logs" class="logs"></pre>
    <h2>Latest sample</h2><table id="latest"><tbody></tbody></table>`
  const stopLogs = logsTail(view, id, appNames)
  const series = new Map()
  const toMs = Date.now()
  const charts = [...DEVICE_CHARTS, ...appNames.map(a => [`app:${a}:cpu_percent`, `${a} CPU`, '%'])]
  await Promise.all(charts.map(async ([metric]) => {
    const r = await api('GET', `/api/v1/devices/${encodeURIComponent(id)}/metrics?metric=${encodeURIComponent(metric)}&from=${toMs - 3600_000}&to=${toMs}&points=360`).catch(() => ({ points: [] }))
    series.set(metric, r.points)
  }))
  const drawCharts = () => {
    const box = view.querySelector('#charts')
    box.replaceChildren(...charts.map(([metric, title, unit]) => lineChart(title, series.get(metric) ?? [], unit)))
  }
  const drawLatest = (m) => {
    view.querySelector('#device-apps tbody').innerHTML = appNames.map(name => {
      const a = device.apps[name]
      return `<tr><td>${esc(name)}</td><td>${esc(a.version)}</td><td class="${esc(a.health)}">${esc(a.health)}</td><td>${esc(a.step)}</td>
        <td><a href="#/deployments/${encodeURIComponent(a.deploymentId)}">${esc(a.deploymentId)}</a></td>
        <td>${formatValue(m?.[`app:${name}:cpu_percent`], '%')}</td><td>${formatValue(m?.[`app:${name}:memory_rss_bytes`], 'bytes')}</td><td>${esc(m?.[`app:${name}:restarts`] ?? '–')}</td></tr>`
    }).join('') || '<tr><td colspan="8" class="muted">no apps</td></tr>'
    view.querySelector('#latest tbody').innerHTML = Object.entries(m ?? {}).sort().map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('') || '<tr><td class="muted">no telemetry yet</td></tr>'
  }
  drawCharts()
  drawLatest(latest?.metrics)
  const stopMetrics = subscribe(`topics=metrics&device=${encodeURIComponent(id)}`, (event, data) => {
    if (event !== 'metrics') return
    for (const s of data.samples) {
      for (const [metric] of charts) {
        const v = s.metrics[metric]
        if (v == null) continue
        const points = series.get(metric) ?? []
        points.push({ t: s.atMs, v })
        series.set(metric, points.slice(-720))
      }
      drawLatest(s.metrics)
    }
    drawCharts()
  })
  return () => { stopMetrics(); stopLogs() }
}

/** Lines kept on the page: the tail of a busy app must not grow the page without end. */
const LOG_LINES_SHOWN = 500

/** The device page's live log tail: the app's last lines, then new ones as the device sends them (through the mesh). */
function logsTail (view, id, appNames) {
  const box = view.querySelector('#logs')
  const status = view.querySelector('#logs-status')
  const select = view.querySelector('#logs-app')
  let controller = new AbortController()
  const append = (lines, cls) => {
    for (const text of lines) {
      const div = document.createElement('div')
      if (cls != null) div.className = cls
      div.textContent = text
      box.append(div)
    }
    while (box.childElementCount > LOG_LINES_SHOWN) box.firstElementChild.remove()
    box.scrollTop = box.scrollHeight
  }
  const follow = async (app) => {
    controller.abort()
    controller = new AbortController()
    const { signal } = controller
    box.replaceChildren()
    status.textContent = `connecting to the device for ${app}…`
    try {
      await streamJsonLines(`/api/v1/devices/${encodeURIComponent(id)}/apps/${encodeURIComponent(app)}/logs?follow=1&tail=200`, (e) => {
        status.textContent = `following ${app}, live`
        if (e.dropped > 0) append([`[${e.dropped} lines dropped: the stream was slower than the app]`], 'dropped')
        if (e.lines != null) append(e.lines)
        if (e.error != null) status.textContent = `the stream broke: ${e.error}`
      }, signal)
      if (!signal.aborted) status.textContent = `the device ended the stream of ${app}`
    } catch (err) {
      if (signal.aborted) return
      status.textContent = `${err.message}${err.code ? ` [${err.code}]` : ''}${err.hint ? ` (${err.hint})` : ''}`
      status.className = 'error-text'
    }
  }
  if (appNames.length === 0) {
    status.textContent = 'no apps on this device yet'
  } else {
    select.addEventListener('change', () => { void follow(select.value) })
    void follow(appNames[0])
  }
  return () => controller.abort()
}

export async function deploymentsView (view) {
  const { deployments } = await api('GET', '/api/v1/fleet/health')
  view.innerHTML = `<h1>Deployments</h1>
    <table id="deployments"><thead><tr><th>id</th><th>app</th><th>version</th><th>strategy</th><th>state</th><th>progress</th><th>reports</th></tr></thead><tbody></tbody></table>`
  const rows = view.querySelector('tbody')
  const upsert = (d) => {
    const existing = rows.querySelector(`tr[data-deployment-id="${CSS.escape(d.id)}"]`)
    if (existing != null) existing.outerHTML = deploymentRow(d)
    else rows.insertAdjacentHTML('beforeend', deploymentRow(d))
    setBar(rows.querySelector(`tr[data-deployment-id="${CSS.escape(d.id)}"] .bar`), progressOf(d))
  }
  for (const d of deployments) upsert(d)
  return subscribe('topics=deployments', (event, data) => { if (event === 'deployment') upsert(data) })
}

const COMMANDS = ['promote', 'pause', 'resume', 'rollback']

export async function deploymentView (view, id, ctx) {
  const [{ deployment, counts }, progress] = await Promise.all([api('GET', `/api/v1/deployments/${encodeURIComponent(id)}`), api('GET', `/api/v1/fleet/deployments/${encodeURIComponent(id)}`)])
  let phases = progress.deployment.phaseList
  const canOperate = ROLE_RANK[ctx.role] >= ROLE_RANK.operator
  view.innerHTML = `<h1>Deployment ${esc(deployment.id)}</h1>
    <p>${esc(deployment.app)} → ${esc(deployment.artifact.version)} · ${esc(deployment.strategy)} · target <code>${esc(deployment.target)}</code></p>
    <p>State: <strong id="dep-state" class="${esc(deployment.state)}">${esc(deployment.state)}</strong> <span class="bar" id="dep-bar"><span></span></span></p>
    <div class="phases" id="dep-phases"></div>
    <div class="toolbar" id="dep-commands">${COMMANDS.map(c => `<button type="button" id="btn-${c}" data-command="${c}" class="${c === 'rollback' ? 'danger' : ''}" ${canOperate ? '' : 'disabled title="needs the operator role"'}>${c}</button>`).join('')}
      ${canOperate ? '' : '<span class="muted" id="role-note">Your token is a viewer: commands need the operator role.</span>'}</div>
    <h2>Reports</h2><table id="dep-counts"><tbody></tbody></table>`
  const show = (d) => {
    const state = view.querySelector('#dep-state')
    state.textContent = d.state
    state.className = d.state
    if (Array.isArray(d.phaseList)) phases = d.phaseList
    view.querySelector('#dep-phases').innerHTML = phases.map((p, i) => {
      const cls = i < d.phase || d.state === 'succeeded' ? 'done' : i === d.phase ? 'current' : ''
      return `<span class="phase ${cls}" data-phase="${i}">${esc(p.name)}: ${esc(p.percent)} %${p.validation === 'manual' ? ' (manual)' : ''}</span>`
    }).join('')
    setBar(view.querySelector('#dep-bar'), progressOf({ ...d, phases: phases.length }))
    const c = d.counts
    view.querySelector('#dep-counts tbody').innerHTML = `<tr><th>devices</th><td id="dep-devices">${c.devices}</td></tr><tr><th>errors</th><td>${c.errors}</td></tr>` +
      ['byStep', 'byHealth', 'byVersion'].map(k => `<tr><th>${k.slice(2).toLowerCase()}</th><td>${Object.entries(c[k]).map(([n, v]) => `${esc(n)}: ${v}`).join(', ') || '–'}</td></tr>`).join('')
  }
  show({ ...deployment, counts })
  view.querySelector('#dep-commands').addEventListener('click', async (e) => {
    const command = e.target?.dataset?.command
    if (command == null) return
    if (command === 'rollback' && !confirm(`Roll back ${deployment.id}?`)) return
    try {
      const r = await api('POST', `/api/v1/deployments/${encodeURIComponent(id)}/${command}`, { reason: `${command} from the dashboard` })
      ctx.message(`${command}: ${r.result?.accepted === false ? `refused by the rollout engine: ${r.result.reason ?? ''}` : 'accepted'}; now ${r.deployment.state}`)
      show({ ...r.deployment, counts: (await api('GET', `/api/v1/deployments/${encodeURIComponent(id)}`)).counts })
    } catch (err) {
      ctx.message(`${command} refused: ${err.message}${err.hint ? ` (${err.hint})` : ''}`, true)
    }
  })
  return subscribe('topics=deployments', (event, data) => { if (event === 'deployment' && data.id === id) show(data) })
}

export async function alertsView (view) {
  const [{ alerts }, { rules }] = await Promise.all([api('GET', '/api/v1/alerts?limit=200'), api('GET', '/api/v1/alerts/rules')])
  const row = (a) => `<tr data-alert-id="${esc(a.id)}"><td class="${esc(a.state)}">${esc(a.state)}</td><td class="${esc(a.severity)}">${esc(a.severity)}</td><td>${esc(a.ruleId)}</td>
    <td><a href="#/devices/${encodeURIComponent(a.deviceId)}">${esc(short(a.deviceId))}</a></td><td>${esc(a.metric)}</td><td>${esc(a.reason)}</td>
    <td>${esc(new Date(a.startsMs).toLocaleString())}</td><td>${a.endsMs != null ? esc(new Date(a.endsMs).toLocaleString()) : ''}</td></tr>`
  view.innerHTML = `<h1>Alerts</h1>
    <table id="alerts"><thead><tr><th>state</th><th>severity</th><th>rule</th><th>device</th><th>metric</th><th>why</th><th>since</th><th>until</th></tr></thead><tbody>${alerts.map(row).join('') || ''}</tbody></table>
    <h2>Rules</h2>
    <table id="rules"><thead><tr><th>id</th><th>kind</th><th>metric</th><th>condition</th><th>severity</th></tr></thead><tbody>${rules.map(r => `<tr><td>${esc(r.id)}</td><td>${esc(r.kind)}</td><td>${esc(r.metric)}</td>
      <td>${r.kind === 'threshold' ? `${esc(r.op)} ${esc(r.threshold)} for ${esc(r.forMs / 1000)} s` : `> ${esc(r.deviations)}σ from the last ${esc(r.windowSamples)} samples`}</td><td>${esc(r.severity)}</td></tr>`).join('')}</tbody></table>`
  const body = view.querySelector('#alerts tbody')
  return subscribe('topics=alerts', (event, a) => {
    if (event !== 'alert') return
    const existing = body.querySelector(`tr[data-alert-id="${CSS.escape(a.id)}"]`)
    if (existing != null) existing.outerHTML = row(a)
    else body.insertAdjacentHTML('afterbegin', row(a))
  })
}
