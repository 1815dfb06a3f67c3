#!/usr/bin/env node
/**
 * `npm start`: the whole product on this machine. In a demo dir (default `.fleetd-demo`):
 * a release key, the coordinator (in this process; API on 127.0.0.1:8080 or a free port,
 * mesh on loopback, mDNS off), N real `fleet-node` processes joined to it (group=demo), and
 * a sample app uploaded in two versions: 1.0.0 is deployed to every device at once, then 1.1.0
 * rolls out as a canary. Prints the API, the admin token and a compact status until Ctrl-C,
 * which removes the app from every device, stops the nodes, then the coordinator. A second
 * start reuses the demo dir (the admin token is kept there, mode 0600).
 *
 * `--once` stops after the canary ends (or 3 minutes): exit 0 if it succeeded, 1 otherwise.
 */
import { mkdir } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseFlags, parsePort, UsageError } from './args.js'
import { apiClient } from './commands/server-client.js'
import { startDemoCoordinator } from './demo/demo-coordinator.js'
import { removeApp, startDemoNode, stopDemoNode } from './demo/demo-nodes.js'
import { DEMO_GROUP, deployBaseline, deployCanary, ensureSampleApp, followDeployment, uploadSampleVersions, waitForDevices } from './demo/demo-rollout.js'
import { formatDeployment, formatDevices } from './demo/demo-status.js'
import { SAMPLE_APP } from './demo/sample-app.js'
import type { ApiClient } from './commands/server-client.js'
import type { DemoCoordinator } from './demo/demo-coordinator.js'
import type { DemoNode } from './demo/demo-nodes.js'
import type { DeploymentView } from './demo/demo-rollout.js'
import type { DeviceView } from '../coordinator/registry/index.js'

const NODES_MAX = 20
const DEVICES_ONLINE_TIMEOUT_MS = 60_000
const BASELINE_TIMEOUT_MS = 90_000
/** `--once` gives the canary this long. */
const CANARY_TIMEOUT_MS = 180_000
const REFRESH_MS = 5_000

const HELP = `Usage: npm start -- [options]   (node dist/node/cli/demo-fleet.js [options])

Run a coordinator and a demo fleet of fleet-node processes on this machine (loopback only,
mDNS off), deploy a sample app and roll out a new version of it as a canary.

Options:
  --dir DIR     demo state: database, keys, node storage, logs, admin token (default .fleetd-demo)
  --nodes N     fleet-node processes (default 3, at most ${NODES_MAX})
  --port N      coordinator API port (default 8080, a free one if taken; 0 picks a free one)
  --once        exit when the canary ends (or after 3 minutes): 0 if it succeeded, 1 otherwise
`

const log = (text: string): void => { process.stdout.write(text + '\n') }
const elapsed = (sinceMs: number): string => `${Math.round((Date.now() - sinceMs) / 1000)}s`

async function main (): Promise<number> {
  const { values } = parseFlags('demo', process.argv.slice(2), {
    nodes: { type: 'string' }, dir: { type: 'string' }, port: { type: 'string' }, once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
  })
  if (values.help === true) { process.stdout.write(HELP); return 0 }
  const count = Number(values.nodes ?? 3)
  if (!Number.isInteger(count) || count < 1 || count > NODES_MAX) throw new UsageError(`--nodes must be an integer from 1 to ${NODES_MAX}, got '${values.nodes ?? ''}'`, 'demo')
  const port = parsePort('demo', 'port', values.port, 8080)
  const dir = resolve(values.dir ?? '.fleetd-demo')
  const once = values.once === true
  await mkdir(dir, { recursive: true, mode: 0o700 })

  const stop = new AbortController()
  let signals = 0
  const onSignal = (): void => {
    signals++
    if (signals === 1) { log('\nstopping: removing the app from each device, then stopping the nodes and the coordinator (Ctrl-C again forces)'); stop.abort() }
    // The nodes are SIGKILLed on exit; their app processes may be left running.
    else { log('forced: app processes may be left running (fleet-node app remove http-app --storage-dir DIR)'); process.exit(130) }
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  const nodes: DemoNode[] = []
  process.on('exit', () => { for (const n of nodes) if (n.child.exitCode == null) n.child.kill('SIGKILL') })
  let coordinator: DemoCoordinator | undefined
  const startedMs = Date.now()
  try {
    coordinator = await startDemoCoordinator(dir, port)
    const api = apiClient('demo', { server: coordinator.node.apiUrl, token: coordinator.adminToken })
    printHeader(dir, coordinator)
    log(`starting ${count} fleet-node processes on 127.0.0.1 (group=${DEMO_GROUP})…`)
    nodes.push(...await Promise.all(Array.from({ length: count }, async (_, i) => await startDemoNode(dir, i + 1, coordinator?.joinTokenFile ?? ''))))
    await uploadSampleVersions(dir, coordinator.storageDir, coordinator.releaseKey)
    await ensureSampleApp(api)
    await waitForDevices(api, count, DEVICES_ONLINE_TIMEOUT_MS, stop.signal)
    log(`${count} devices online after ${elapsed(startedMs)}`)
    return await rollOut(api, { once, startedMs, signal: stop.signal })
  } catch (err) {
    if (stop.signal.aborted) return 0
    process.stderr.write(`demo: ${(err as Error).message}\n`)
    return 1
  } finally {
    await shutdown(nodes, coordinator)
  }
}

async function rollOut (api: ApiClient, options: { once: boolean, startedMs: number, signal: AbortSignal }): Promise<number> {
  const { signal } = options
  const show = async (view: DeploymentView): Promise<void> => {
    const { devices } = await api.get<{ devices: DeviceView[] }>(`/api/v1/devices?label=group%3D${DEMO_GROUP}`)
    log(`\n${new Date().toISOString().slice(11, 19)} ${formatDeployment(view)}\n${formatDevices(devices)}`)
  }
  const baseline = await deployBaseline(api)
  log(`deploying ${baseline.artifact.name} ${baseline.artifact.version} to every device at once (${baseline.id})`)
  const base = await followDeployment(api, baseline.id, { deadlineMs: Date.now() + BASELINE_TIMEOUT_MS, refreshMs: REFRESH_MS, signal, onStatus: show })
  if (signal.aborted) return 0
  if (base.deployment.state !== 'succeeded') throw new Error(`the first deployment ended ${base.deployment.state}; see ${SAMPLE_APP} in the node-*.log files`)

  const canaryStartMs = Date.now()
  const canary = await deployCanary(api)
  log(`\nrolling out ${canary.artifact.version} as a canary (${canary.id}): 34% of the devices, then 67%, then all, 20 s apart; rolled back if its error rate passes 50%`)
  const deadlineMs = options.once ? canaryStartMs + CANARY_TIMEOUT_MS : Number.POSITIVE_INFINITY
  const end = await followDeployment(api, canary.id, { deadlineMs, refreshMs: REFRESH_MS, signal, onStatus: show })
  if (signal.aborted) return 0
  const state = end.deployment.state
  log(`\ncanary ${canary.id} ${state === 'succeeded' ? 'succeeded' : `ended ${state}`} after ${elapsed(canaryStartMs)} (${elapsed(options.startedMs)} since start)`)
  if (options.once) return state === 'succeeded' ? 0 : 1
  log('the fleet keeps running; Ctrl-C stops it')
  // Until Ctrl-C: the status again whenever it changes (a device going offline, say).
  let last = ''
  while (!signal.aborted) {
    const { devices } = await api.get<{ devices: DeviceView[] }>(`/api/v1/devices?label=group%3D${DEMO_GROUP}`).catch(() => ({ devices: [] }))
    const text = formatDevices(devices)
    if (text !== last) log(`\n${new Date().toISOString().slice(11, 19)} devices\n${text}`)
    last = text
    await new Promise(resolve => { const t = setTimeout(resolve, REFRESH_MS); signal.addEventListener('abort', () => { clearTimeout(t); resolve(null) }, { once: true }) })
  }
  return 0
}

function printHeader (dir: string, c: DemoCoordinator): void {
  const shown = (path: string): string => { const r = relative(process.cwd(), path); return r === '' ? '.' : r.startsWith('..') ? path : r }
  const fleets = shown(fileURLToPath(new URL('./fleets.js', import.meta.url)))
  log([
    `FleetD demo (state in ${shown(dir)}; fleet ${c.node.fleetId})`,
    `  API          ${c.node.apiUrl}/api/v1   (OpenAPI: ${c.node.apiUrl}/api/v1/openapi.json; no dashboard yet)${c.portTaken ? '; the asked port was taken' : ''}`,
    `  admin token  ${c.adminToken}   (kept in ${shown(dir)}/admin.token, mode 0600)`,
    `  try          node ${fleets} devices list --server ${c.node.apiUrl} --token ${c.adminToken}`,
    `  logs         ${shown(c.logFile)}, ${shown(dir)}/node-N.log`,
    '  Ctrl-C stops everything'
  ].join('\n'))
}

/** Removes the app from each node (the agent leaves app processes running when it stops), stops the nodes, then the coordinator. */
async function shutdown (nodes: DemoNode[], coordinator: DemoCoordinator | undefined): Promise<void> {
  const left = await Promise.all(nodes.map(async n => await removeApp(n, SAMPLE_APP) ? undefined : n.name))
  for (const name of left) if (name != null) process.stderr.write(`demo: ${name} did not confirm that ${SAMPLE_APP} stopped\n`)
  await Promise.all(nodes.map(stopDemoNode))
  await coordinator?.stop()
}

main().then(code => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(err instanceof UsageError ? `demo: ${err.message}\n${HELP}` : `demo: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = err instanceof UsageError ? 2 : 1
})
