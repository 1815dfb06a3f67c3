import { ago, formatTable } from './server-client.js'
import type { AppRecord, HealthCheckRecord } from '../../coordinator/store/index.js'

/** A health check the way `--health-check`/`--health-exec` take it. */
export function healthCheckText (check: HealthCheckRecord | undefined): string {
  if (check == null) return '-'
  if (check.kind === 'http') return `http://localhost:${check.port}${check.path}`
  if (check.kind === 'tcp') return `tcp://localhost:${check.port}`
  return `exec ${check.command.map(word => /[\s'"]/.test(word) ? JSON.stringify(word) : word).join(' ')}`
}

function limitsText (app: AppRecord): string {
  const parts = [app.limits.memory != null ? `memory ${app.limits.memory}` : '', app.limits.cpu != null ? `cpu ${app.limits.cpu}` : ''].filter(p => p !== '')
  return parts.join(', ') || 'none'
}

export function formatAppTable (apps: AppRecord[], nowMs: number): string {
  if (apps.length === 0) return 'no apps yet; create one with fleets app create --name N --artifact NAME:VERSION\n'
  return formatTable([
    ['NAME', 'ARTIFACT', 'RUNTIME', 'HEALTH CHECK', 'RESTART', 'LIMITS', 'CREATED'],
    ...apps.map(a => [a.name, `${a.artifact.name}:${a.artifact.version}`, a.runtime, healthCheckText(a.healthCheck), a.restartPolicy, limitsText(a), ago(a.createdMs, nowMs)])
  ]) + `${apps.length} apps\n`
}

export function formatApp (app: AppRecord, nowMs: number): string {
  const env = Object.entries(app.env).map(([k, v]) => `${k}=${v}`)
  const lines = [
    ['name', app.name],
    ['artifact', `${app.artifact.name}:${app.artifact.version}`],
    ['runtime', app.runtime],
    ['args', app.args.length > 0 ? app.args.map(a => JSON.stringify(a)).join(' ') : '-'],
    ['env', env.length > 0 ? env.join(' ') : '-'],
    ['limits', limitsText(app)],
    ['health', healthCheckText(app.healthCheck)],
    ['restart', app.restartPolicy],
    ['created', `${ago(app.createdMs, nowMs)}${app.createdBy !== '' ? ` by ${app.createdBy}` : ''}`]
  ]
  return lines.map(([k, v]) => `${(k ?? '').padEnd(10)}${v ?? ''}`).join('\n') + '\n'
}
