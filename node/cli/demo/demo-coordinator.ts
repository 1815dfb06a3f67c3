/**
 * The demo's coordinator, in this process: a release key in the demo dir, the coordinator on
 * loopback (API on the asked port, or a free one when that is taken; mesh on a free port; mDNS
 * off), and the admin token kept in the demo dir (mode 0600) because the coordinator shows it
 * only on its first start.
 */
import { createWriteStream } from 'node:fs'
import { access, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { keyStore } from '../../../content/keys/index.js'
import { startCoordinatorNode } from '../../coordinator/runtime/index.js'
import { consoleLogger } from '../../logging/index.js'
import { systemClock } from '../../ports/index.js'
import type { RunningCoordinatorNode } from '../../coordinator/runtime/index.js'
import type { PrivateKey } from '@libp2p/interface'

export const RELEASE_KEY = 'release'

export interface DemoCoordinator {
  node: RunningCoordinatorNode
  adminToken: string
  /** A join token that bootstraps to this coordinator, for the demo's fleet-nodes. */
  joinTokenFile: string
  /** The coordinator node's storage dir: artifacts are uploaded there. */
  storageDir: string
  releaseKey: PrivateKey
  logFile: string
  /** The asked API port was taken, so the API is on a free one. */
  portTaken: boolean
  /** Stops the coordinator (API, engine, mesh) and closes its log. */
  stop(): Promise<void>
}

/** Starts the coordinator of the demo in `dir`; `port` 0 picks a free API port, a taken one falls back to a free one. */
export async function startDemoCoordinator (dir: string, port: number): Promise<DemoCoordinator> {
  const keysDir = join(dir, 'keys')
  const keys = keyStore({ dir: keysDir })({ clock: systemClock() })
  if (!(await keys.list()).some(k => k.name === RELEASE_KEY)) await keys.generate(RELEASE_KEY)
  const releaseKey = await keys.load(RELEASE_KEY)

  const dbPath = join(dir, 'fleet.db')
  const tokenFile = join(dir, 'admin.token')
  const saved = await readFile(tokenFile, 'utf8').then(t => t.trim(), () => undefined)
  if (saved == null && await exists(dbPath)) {
    throw new Error(`${dbPath} exists but ${tokenFile} does not, so the demo has no admin token for it; delete ${dir} to start the demo afresh`)
  }
  const logFile = join(dir, 'coordinator.log')
  const log = createWriteStream(logFile, { flags: 'a' })
  const storageDir = `${dbPath}.node`
  // Checked before starting: a failed listen would lose an admin token created on the way.
  const portTaken = port !== 0 && !(await portFree(port))
  const node = await startCoordinatorNode({
    dbPath,
    storageDir,
    keysDir,
    apiHost: '127.0.0.1',
    apiPort: portTaken ? 0 : port,
    rpcPort: 0,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    mdns: false,
    heartbeatIntervalMs: 2_000,
    logger: consoleLogger({ write: line => { log.write(line + '\n') } })
  })
  const adminToken = node.adminToken ?? saved
  if (node.adminToken != null) await writeFile(tokenFile, node.adminToken + '\n', { mode: 0o600 })
  if (adminToken == null) {
    await node.stop()
    log.end()
    throw new Error(`the coordinator in ${dbPath} did not create an admin token and ${tokenFile} is missing; delete ${dir} to start afresh`)
  }
  const joinTokenFile = join(dir, 'join.token')
  await writeFile(joinTokenFile, await node.joinToken() + '\n', { mode: 0o600 })
  return {
    node,
    adminToken,
    joinTokenFile,
    storageDir,
    releaseKey,
    logFile,
    portTaken,
    stop: async () => {
      await node.stop()
      await new Promise(resolve => { log.end(resolve) })
    }
  }
}

async function exists (path: string): Promise<boolean> {
  return await access(path).then(() => true, () => false)
}

async function portFree (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const server = createServer()
    server.once('error', () => { resolve(false) })
    server.listen(port, '127.0.0.1', () => { server.close(() => { resolve(true) }) })
  })
}
