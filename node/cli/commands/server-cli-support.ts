/**
 * Test support for the server commands: a real coordinator API on 127.0.0.1 (port 0) over a
 * store in a temp dir, and `fleets` run in this process through the same runCli the binary
 * uses, with stdout, stderr and the exit code captured.
 */
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApiServer } from '../../coordinator/server/index.js'
import { deviceRegistry } from '../../coordinator/registry/index.js'
import { CoordinatorStore } from '../../coordinator/store/index.js'
import { silentLogger } from '../../logging/index.js'
import { systemClock, systemRandom } from '../../ports/index.js'
import { observability } from '../../coordinator/observability/index.js'
import type { Observability } from '../../coordinator/observability/index.js'
import { runCli } from '../run-cli.js'
import { auditCommand } from './audit-command.js'
import { devicesCommand } from './devices-command.js'
import { appCommand } from './app-command.js'
import { deployCommand } from './deploy-command.js'
import { alertsCommand } from './alerts-command.js'
import type { ApiServer, ApiServerInit } from '../../coordinator/server/index.js'
import type { DeviceRegistry } from '../../coordinator/registry/index.js'

export interface CliRun { code: number, stdout: string, stderr: string }

export interface RunningCoordinator {
  url: string
  dbPath: string
  adminToken: string
  store: CoordinatorStore
  registry: DeviceRegistry
  server: ApiServer
  /** With `observability: true`: telemetry, alerts, /metrics and events, as `fleets server` serves them. */
  obs?: Observability
  stop(): Promise<void>
}

/** `init` goes to createApiServer, e.g. the rollout controller's `deploymentSpecSchema`. */
export async function startCoordinator (init: ApiServerInit & { observability?: boolean } = {}): Promise<RunningCoordinator> {
  const dbPath = join(await mkdtemp(join(tmpdir(), 'fleetd-cli-')), 'fleet.db')
  const store = await CoordinatorStore.open(dbPath)
  const clock = systemClock()
  const registry = deviceRegistry()({ store, clock, logger: silentLogger })
  const { observability: withObs, ...apiInit } = init
  const obs = withObs === true ? await observability()({ store, registry, clock, random: systemRandom(), logger: silentLogger }) : undefined
  const server = createApiServer({ store, registry, clock, logger: silentLogger, ...apiInit, ...(obs != null ? { plugins: [obs.plugin] } : {}) })
  const { url, adminToken } = await server.listen(0, '127.0.0.1')
  return {
    url, dbPath, adminToken: adminToken ?? '', store, registry, server, ...(obs != null ? { obs } : {}),
    stop: async () => { await server.close(); await obs?.stop(); await store.close() }
  }
}

const COMMANDS = {
  devices: { summary: 'devices', run: devicesCommand },
  audit: { summary: 'audit', run: auditCommand },
  app: { summary: 'app', run: appCommand },
  deploy: { summary: 'deploy', run: deployCommand },
  alerts: { summary: 'alerts', run: alertsCommand }
}

let queue: Promise<unknown> = Promise.resolve()

/** Runs `fleets ARGV` in-process; runs are serialized since they share process.stdout and process.env. */
export async function fleets (argv: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const run = queue.then(async () => await fleetsNow(argv, env))
  queue = run.catch(() => {})
  return await run
}

async function fleetsNow (argv: string[], env: Record<string, string | undefined>): Promise<CliRun> {
  const out: string[] = []
  const err: string[] = []
  const writeOut = process.stdout.write.bind(process.stdout)
  const writeErr = process.stderr.write.bind(process.stderr)
  const savedEnv = { FLEETD_TOKEN: process.env.FLEETD_TOKEN, FLEETD_SERVER: process.env.FLEETD_SERVER }
  process.stdout.write = ((chunk: string | Uint8Array) => { out.push(String(chunk)); return true })
  process.stderr.write = ((chunk: string | Uint8Array) => { err.push(String(chunk)); return true })
  for (const [key, value] of Object.entries({ FLEETD_TOKEN: undefined, FLEETD_SERVER: undefined, ...env })) {
    if (value == null) Reflect.deleteProperty(process.env, key)
    else process.env[key] = value
  }
  try {
    process.exitCode = 0
    await runCli('fleets', COMMANDS, argv)
    return { code: Number(process.exitCode ?? 0), stdout: out.join(''), stderr: err.join('') }
  } finally {
    process.exitCode = 0
    process.stdout.write = writeOut
    process.stderr.write = writeErr
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value == null) Reflect.deleteProperty(process.env, key)
      else process.env[key] = value
    }
  }
}

/** The real `fleets` binary (its TypeScript source through tsx), for the few end-to-end checks. */
export async function fleetsProcess (argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'node/cli/fleets.ts', ...argv], {
    env: { ...process.env, FLEETD_TOKEN: '', FLEETD_SERVER: '', ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (b: Buffer) => out.push(b))
  child.stderr.on('data', (b: Buffer) => err.push(b))
  const code = await new Promise<number>(resolve => child.on('close', c => { resolve(c ?? -1) }))
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }
}
