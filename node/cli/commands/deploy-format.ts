import { ago, formatTable } from './server-client.js'
import type { DeploymentRecord, JsonValue, ReportCounts } from '../../coordinator/store/index.js'

/** 600000 → `10m`, 5400000 → `1h30m`, 500 → `500ms`: the form the flags take. */
export function formatDurationMs (ms: number): string {
  if (ms < 1000 || ms % 1000 !== 0) return `${ms}ms`
  const units: Array<[string, number]> = [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]]
  let s = ms / 1000
  let out = ''
  for (const [unit, size] of units) {
    if (s >= size) { out += `${Math.floor(s / size)}${unit}`; s %= size }
  }
  return out
}

const num = (v: JsonValue | undefined): number => typeof v === 'number' ? v : 0
const str = (v: JsonValue | undefined): string => typeof v === 'string' ? v : JSON.stringify(v ?? null)
const obj = (v: JsonValue | undefined): Record<string, JsonValue> => typeof v === 'object' && v != null && !Array.isArray(v) ? v : {}

/** One line on how the strategy proceeds, from the stored spec. */
export function strategyText (d: DeploymentRecord): string {
  const spec = d.spec
  if (d.strategy === 'canary') {
    if (Array.isArray(spec.phases)) {
      return 'canary: ' + spec.phases.map(p => obj(p)).map(p => `${num(p.percent)}% ${formatDurationMs(num(p.durationMs))}${p.validation === 'manual' ? ' manual' : ''}`).join(' → ')
    }
    const c = obj(spec.canary)
    return `canary: ${num(c.initialPercent)}%, +${num(c.incrementPercent)}% every ${formatDurationMs(num(c.intervalMs))}${c.validation === 'manual' ? ', manual promote' : ''}`
  }
  if (d.strategy === 'rolling') {
    const r = obj(spec.rolling)
    return `rolling: batches of ${num(r.batchPercent)}%, at most ${num(r.maxUnavailablePercent)}% unavailable${r.batchDurationMs != null ? `, ${formatDurationMs(num(r.batchDurationMs))} each` : ''}`
  }
  if (d.strategy === 'blue-green') {
    const b = obj(spec.blueGreen)
    if (b.stageDurationMs == null) return 'blue-green'
    return `blue-green: stage ${formatDurationMs(num(b.stageDurationMs))} (${num(b.stagedPercent)}% staged), switch ${formatDurationMs(num(b.switchDurationMs))}${b.validation === 'manual' ? ', manual promote' : ''}`
  }
  const a = obj(spec.allAtOnce)
  return a.durationMs != null ? `all-at-once: observed ${formatDurationMs(num(a.durationMs))}` : 'all-at-once'
}

function triggersText (spec: Record<string, JsonValue>): string {
  if (!Array.isArray(spec.triggers) || spec.triggers.length === 0) return 'none'
  return spec.triggers.map(t => obj(t)).map(t => {
    const extra = [t.minSamples != null ? `min ${num(t.minSamples)} samples` : '', t.action != null ? str(t.action) : ''].filter(x => x !== '').join(', ')
    return `${str(t.metric)} > ${num(t.threshold)}${extra !== '' ? ` (${extra})` : ''}`
  }).join('; ')
}

/** `download 3, running 37`, largest first; `-` when empty. */
export function countsText (counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  return entries.length > 0 ? entries.map(([k, n]) => `${k} ${n}`).join(', ') : '-'
}

export function formatDeploymentTable (deployments: DeploymentRecord[], nowMs: number): string {
  if (deployments.length === 0) return 'no deployments match; create one with fleets deploy create\n'
  return formatTable([
    ['ID', 'APP', 'VERSION', 'STRATEGY', 'TARGET', 'STATE', 'PHASE', 'CREATED'],
    ...deployments.map(d => [d.id, d.app, d.artifact.version, d.strategy, d.target.length > 40 ? d.target.slice(0, 39) + '…' : d.target, d.state, String(d.phase), ago(d.createdMs, nowMs)])
  ]) + `${deployments.length} deployments\n`
}

export function formatDeployment (d: DeploymentRecord, counts: ReportCounts, nowMs: number): string {
  const deadline = typeof d.spec.promoteDeadlineMs === 'number' ? new Date(d.spec.promoteDeadlineMs).toISOString() : undefined
  const lines: Array<[string, string]> = [
    ['id', d.id],
    ['app', d.app],
    ['version', `${d.artifact.name}:${d.artifact.version}${d.rollbackTo != null ? ` (rollback to ${d.rollbackTo})` : ''}`],
    ['target', d.target],
    ['strategy', strategyText(d)],
    ['state', d.state],
    ['phase', String(d.phase)],
    ['triggers', triggersText(d.spec)],
    ...(deadline != null ? [['deadline', `${deadline} (rolls back if not promoted by then)`] as [string, string]] : []),
    ...(d.rollbackReason != null ? [['rollback', d.rollbackReason] as [string, string]] : []),
    ['created', `${ago(d.createdMs, nowMs)}${d.createdBy !== '' ? ` by ${d.createdBy}` : ''}`],
    ['updated', ago(d.updatedMs, nowMs)],
    ['devices', `${counts.devices} reporting, ${counts.errors} with errors`],
    ['  step', countsText(counts.byStep)],
    ['  health', countsText(counts.byHealth)],
    ['  version', countsText(counts.byVersion)]
  ]
  const events = d.events.slice(-10).map(e =>
    `  ${ago(e.atMs, nowMs).padEnd(8)} ${e.command.padEnd(8)} by ${e.actor}: ${e.accepted ? 'accepted' : 'refused'} → ${e.state}${e.reason != null ? ` (${e.reason})` : ''}`)
  return lines.map(([k, v]) => `${k.padEnd(10)}${v}`).join('\n') + '\n' + (events.length > 0 ? `events\n${events.join('\n')}\n` : '')
}

/** One `watch` line: time, state, phase and the report counts. */
export function formatWatchLine (d: DeploymentRecord, counts: ReportCounts, atMs: number): string {
  const time = new Date(atMs).toISOString().slice(11, 19)
  return `${time}  ${d.state}  phase ${d.phase}  devices ${counts.devices} (errors ${counts.errors})  step: ${countsText(counts.byStep)}  health: ${countsText(counts.byHealth)}  version: ${countsText(counts.byVersion)}\n`
}
