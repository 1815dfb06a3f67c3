#!/usr/bin/env node
/**
 * `npm start`: a local demo fleet on this machine. Creates a fleet (token) in
 * `.fleetd-demo/fleet.db`, starts N real `fleet-node` processes on loopback with mDNS off
 * (never multicast outside a test namespace), bootstrapped to the first, and prints what each
 * one sees until Ctrl-C. The coordinator and dashboard join this demo when they exist.
 */
import { spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { FleetStore } from '../fleet/index.js'
import { rpcGet } from '../rpc/index.js'
import { parseFlags } from './args.js'
import type { MeshStatus } from '../mesh/index.js'
import type { ChildProcess } from 'node:child_process'

const STARTUP_TIMEOUT_MS = 20_000
const REFRESH_MS = 5_000

const { values } = parseFlags('demo', process.argv.slice(2), { nodes: { type: 'string' }, dir: { type: 'string' }, once: { type: 'boolean' } })
const count = Number(values.nodes ?? 3)
if (!Number.isInteger(count) || count < 1 || count > 20) {
  process.stderr.write('demo: --nodes must be an integer from 1 to 20\n')
  process.exit(2)
}
const dir = resolve(values.dir ?? '.fleetd-demo')
const cli = fileURLToPath(new URL('./fleet-node.js', import.meta.url))
await mkdir(dir, { recursive: true })

const fleet = await FleetStore.open(join(dir, 'fleet.db'))
const { token, fleetId } = await fleet.createToken(Date.now())
await fleet.close()
process.stdout.write(`demo fleet ${fleetId}: starting ${count} fleet-node processes on 127.0.0.1 (state in ${dir})\n`)

const children: ChildProcess[] = []
let stopping = false
const stopAll = (): void => {
  if (stopping) return
  stopping = true
  for (const child of children) child.kill('SIGTERM')
}
process.on('SIGINT', stopAll)
process.on('SIGTERM', stopAll)

let firstAddr: string | undefined
for (let i = 1; i <= count; i++) {
  const storageDir = join(dir, `node-${i}`)
  const args = [cli, 'join', '--storage-dir', storageDir, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--rpc-port', '0',
    '--name', `demo-${i}`, '--label', `demo=true`, '--label', `slot=${i}`, '--heartbeat-ms', '2000', ...(firstAddr != null ? ['--bootstrap', firstAddr] : [])]
  const child = spawn(process.execPath, args, { env: { ...process.env, FLEETD_TOKEN: token }, stdio: ['ignore', 'inherit', 'inherit'] })
  children.push(child)
  const status = await waitForStatus(storageDir, child)
  firstAddr ??= `${status.addresses[0] ?? ''}/p2p/${status.peerId}`
}

while (!stopping) {
  const rows = await Promise.all(children.map(async (_, i) => {
    try {
      const s = await rpcGet<MeshStatus>(join(dir, `node-${i + 1}`), '/v1/status')
      return `  ${s.name.padEnd(8)} ${s.peerId}  connections ${s.connections.length}  members seen ${s.peers.filter(p => p.status === 'online').length}/${count - 1}`
    } catch (err) {
      return `  demo-${i + 1}  not answering: ${(err as Error).message}`
    }
  }))
  process.stdout.write(`\n${new Date().toISOString()} fleet ${fleetId}\n${rows.join('\n')}\n(fleet-node status --storage-dir ${join(dir, 'node-1')} shows one node in full; Ctrl-C stops)\n`)
  if (values.once === true) stopAll()
  await sleep(REFRESH_MS)
}
await Promise.all(children.map(async c => await new Promise(resolve => { if (c.exitCode != null) resolve(null); else c.once('exit', resolve) })))

async function waitForStatus (storageDir: string, child: ChildProcess): Promise<MeshStatus> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  for (;;) {
    if (child.exitCode != null) throw new Error(`fleet-node for ${storageDir} exited with code ${child.exitCode}`)
    try {
      return await rpcGet<MeshStatus>(storageDir, '/v1/status')
    } catch (err) {
      if (Date.now() > deadline) throw err
      await sleep(200)
    }
  }
}
