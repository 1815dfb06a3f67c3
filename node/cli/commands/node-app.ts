import { readFile } from 'node:fs/promises'
import { rpcGet, rpcPost, rpcStream } from '../../rpc/index.js'
import { defaultStorageDir } from '../../storage/index.js'
import { parseFlags, UsageError } from '../args.js'
import type { AgentEvent, AgentStatus } from '../../agent/index.js'

export const NODE_APP_HELP = `Usage: fleet-node app <deploy|status|remove|logs> [options]

  deploy --spec APP.json --manifest MANIFEST.json [--wait] [--timeout S]
             run the version the signed manifest names, as the app spec says (runtime, command,
             env, limits, health check, restart policy, ports, update strategy stop-start or
             blue-green); the node fetches and verifies the artifact, installs it, starts it,
             health-checks it and switches to it, or rolls back to the running version.
             --wait returns when the version is live (exit 0) or has failed (exit 1, with why).
  status     the apps: target, active and previous versions, processes, health, failures
  remove NAME
             stop the app and uninstall it
  logs NAME [--lines N] [--follow]
             the app's stdout and stderr (rotated by size)

Every subcommand takes --storage-dir DIR (the node's) and --json.
`

type Status = AgentStatus

export async function nodeAppCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub == null || sub === '--help' || sub === '-h') { process.stdout.write(NODE_APP_HELP); return sub == null ? 2 : 0 }
  switch (sub) {
    case 'deploy': return await deploy(rest)
    case 'status': return await status(rest)
    case 'remove': return await remove(rest)
    case 'logs': return await logs(rest)
    default: throw new UsageError(`unknown subcommand '${sub}'; app has: deploy, status, remove, logs`, 'app')
  }
}

const common = { 'storage-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const

async function readJson (flag: string, path: string | undefined): Promise<unknown> {
  if (path == null) throw new UsageError(`--${flag} FILE is required`, 'app deploy')
  const text = await readFile(path, 'utf8').catch((err: Error) => { throw new UsageError(`cannot read --${flag} ${path}: ${err.message}`, 'app deploy') })
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new UsageError(`--${flag} ${path} is not JSON: ${(err as Error).message}`, 'app deploy')
  }
}

async function deploy (argv: string[]): Promise<number> {
  const { values } = parseFlags('app deploy', argv, { ...common, spec: { type: 'string' }, manifest: { type: 'string' }, wait: { type: 'boolean' }, timeout: { type: 'string' } })
  if (values.help === true) { process.stdout.write(NODE_APP_HELP); return 0 }
  const dir = values['storage-dir'] ?? defaultStorageDir()
  const timeoutS = Number(values.timeout ?? 300)
  if (!(timeoutS > 0)) throw new UsageError(`--timeout must be seconds > 0, got '${values.timeout ?? ''}'`, 'app deploy')
  const startMs = Date.now()
  const before = (await rpcGet<Status>(dir, '/v1/apps')).events.length
  const target = await rpcPost<{ app: string, version: string }>(dir, '/v1/apps/deploy', { spec: await readJson('spec', values.spec), manifest: await readJson('manifest', values.manifest) })
  if (values.wait !== true) {
    process.stdout.write(values.json === true ? JSON.stringify(target) + '\n' : `${target.app}@${target.version} is the target; fleet-node app status shows progress\n`)
    return 0
  }
  while (Date.now() - startMs < timeoutS * 1000) {
    const s = await rpcGet<Status>(dir, '/v1/apps')
    const fresh = s.events.slice(Math.max(0, before - (200 - s.events.length)))
    const outcome = fresh.find((e): e is Extract<AgentEvent, { type: 'updated' | 'update-failed' }> => (e.type === 'updated' || e.type === 'update-failed') && e.app === target.app && e.version === target.version)
    const live = s.apps.find(a => a.name === target.app)?.active === target.version && s.converged
    if (outcome?.type === 'update-failed') {
      process.stdout.write(values.json === true ? JSON.stringify(outcome) + '\n' : `${target.app}@${target.version} failed: ${outcome.error}${outcome.rollbackTo != null ? `; rolled back to ${outcome.rollbackTo}` : ''}\n`)
      return 1
    }
    if (live) {
      process.stdout.write(values.json === true ? JSON.stringify({ ...target, ms: Date.now() - startMs }) + '\n' : `${target.app}@${target.version} is live (${Date.now() - startMs} ms)\n`)
      return 0
    }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  process.stderr.write(`${target.app}@${target.version} is not live after ${timeoutS} s; see fleet-node app status\n`)
  return 1
}

async function status (argv: string[]): Promise<number> {
  const { values } = parseFlags('app status', argv, common)
  if (values.help === true) { process.stdout.write(NODE_APP_HELP); return 0 }
  const s = await rpcGet<Status>(values['storage-dir'] ?? defaultStorageDir(), '/v1/apps')
  if (values.json === true) { process.stdout.write(JSON.stringify(s, null, 2) + '\n'); return 0 }
  const lines = [`${s.converged ? 'converged' : 'converging'}; ${s.apps.length} app(s)`]
  for (const app of s.apps) {
    lines.push(`${app.name}: target ${app.target ?? '-'}, active ${app.active ?? '-'}, previous ${app.previous ?? '-'}`)
    for (const i of app.instances) lines.push(`  ${i.version}: ${i.state ?? '?'} pid ${i.pid ?? '-'}, restarts ${i.restarts ?? 0}, health ${i.health ?? '-'}${(i.crashLoopCount ?? 0) > 0 ? `, crash_loop ${i.crashLoopCount ?? 0}` : ''}${i.enforcement != null ? `, limits memory ${i.enforcement.memory} cpu ${i.enforcement.cpu}` : ''}`)
    for (const [version, f] of Object.entries(app.failures)) {
      lines.push(`  ${version} failed ${f.attemptsMs.length}×: ${f.lastError}${f.penaltyUntilMs != null ? ` (penalty box until ${new Date(f.penaltyUntilMs).toISOString()})` : ''}`)
    }
  }
  process.stdout.write(lines.join('\n') + '\n')
  return 0
}

async function remove (argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('app remove', argv, common, 1)
  if (values.help === true) { process.stdout.write(NODE_APP_HELP); return 0 }
  const name = positionals[0]
  if (name == null) throw new UsageError('name the app to remove: fleet-node app remove NAME', 'app remove')
  const r = await rpcPost<{ removed: boolean }>(values['storage-dir'] ?? defaultStorageDir(), '/v1/apps/remove', { name })
  process.stdout.write(values.json === true ? JSON.stringify(r) + '\n' : r.removed ? `${name} will be stopped and uninstalled\n` : `no app '${name}' on this device\n`)
  return r.removed ? 0 : 1
}

async function logs (argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('app logs', argv, { ...common, lines: { type: 'string', short: 'n' }, follow: { type: 'boolean', short: 'f' } }, 1)
  if (values.help === true) { process.stdout.write(NODE_APP_HELP); return 0 }
  const name = positionals[0]
  if (name == null) throw new UsageError('name the app: fleet-node app logs NAME', 'app logs')
  const lines = Number(values.lines ?? 100)
  if (!Number.isInteger(lines) || lines < 0) throw new UsageError(`--lines must be a whole number, got '${values.lines ?? ''}'`, 'app logs')
  const controller = new AbortController()
  process.once('SIGINT', () => { controller.abort() })
  for await (const entry of rpcStream<{ line: string }>(values['storage-dir'] ?? defaultStorageDir(), '/v1/apps/logs', { name, lines, follow: values.follow === true }, controller.signal)) {
    process.stdout.write(values.json === true ? JSON.stringify(entry) + '\n' : entry.line + '\n')
  }
  return 0
}
