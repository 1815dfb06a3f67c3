/**
 * The demo's devices: real `fleet-node join` processes on loopback (mDNS off), each with its
 * own storage dir and log file, joined with the coordinator's token. Each runs in its own
 * process group, so the terminal's Ctrl-C reaches only the demo, which then removes the apps
 * (the agent leaves app processes running when it stops, by design: they survive an agent
 * restart) and only then stops the nodes.
 */
import { spawn } from 'node:child_process'
import { existsSync, openSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { rpcGet, rpcPost } from '../../rpc/index.js'
import type { AgentStatus } from '../../agent/index.js'
import type { MeshStatus } from '../../mesh/index.js'
import type { ChildProcess } from 'node:child_process'

const STARTUP_TIMEOUT_MS = 20_000
const REMOVE_TIMEOUT_MS = 20_000
const STOP_TIMEOUT_MS = 15_000
const POLL_MS = 200

export interface DemoNode {
  name: string
  storageDir: string
  logFile: string
  child: ChildProcess
  peerId: string
}

/** The bundled agent, as devices run it (lower idle RSS); the module tree when the bundle was not built. */
function fleetNodeCli (): string {
  const bundle = fileURLToPath(new URL('../../../bundle/fleet-node.mjs', import.meta.url))
  return existsSync(bundle) ? bundle : fileURLToPath(new URL('../fleet-node.js', import.meta.url))
}

export async function startDemoNode (dir: string, index: number, joinTokenFile: string): Promise<DemoNode> {
  const name = `demo-${index}`
  const storageDir = join(dir, `node-${index}`)
  const logFile = join(dir, `node-${index}.log`)
  const args = [fleetNodeCli(), 'join', '--token-file', joinTokenFile, '--storage-dir', storageDir, '--no-mdns',
    '--listen', '/ip4/127.0.0.1/tcp/0', '--rpc-port', '0', '--name', name, '--label', 'group=demo', '--heartbeat-ms', '2000']
  const spawnedMs = Date.now()
  const fd = openSync(logFile, 'a')
  let child: ChildProcess
  try {
    child = spawn(process.execPath, args, { stdio: ['ignore', fd, fd], detached: true })
  } finally {
    closeSync(fd)
  }
  const status = await waitForStatus(storageDir, child, logFile, spawnedMs)
  return { name, storageDir, logFile, child, peerId: status.peerId }
}

async function waitForStatus (storageDir: string, child: ChildProcess, logFile: string, spawnedMs: number): Promise<MeshStatus> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  for (;;) {
    if (child.exitCode != null) throw new Error(`fleet-node for ${storageDir} exited with code ${child.exitCode}; see ${logFile}`)
    try {
      const status = await rpcGet<MeshStatus>(storageDir, '/v1/status')
      // The endpoint file of an earlier run may still name a live process: wait for ours.
      if (status.startedMs >= spawnedMs) return status
    } catch {}
    if (Date.now() > deadline) throw new Error(`fleet-node for ${storageDir} did not answer within ${STARTUP_TIMEOUT_MS} ms; see ${logFile}`)
    await sleep(POLL_MS)
  }
}

/** Removes `app` from the node and waits until its processes are gone; false when they were not within the limit. */
export async function removeApp (node: DemoNode, app: string): Promise<boolean> {
  if (node.child.exitCode != null) return false
  try {
    await rpcPost(node.storageDir, '/v1/apps/remove', { name: app })
    const deadline = Date.now() + REMOVE_TIMEOUT_MS
    while (Date.now() < deadline) {
      const status = await rpcGet<AgentStatus>(node.storageDir, '/v1/apps')
      if (status.apps.every(a => a.name !== app || a.instances.length === 0)) return true
      await sleep(POLL_MS)
    }
  } catch {}
  return false
}

/** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS. */
export async function stopDemoNode (node: DemoNode): Promise<void> {
  const { child } = node
  if (child.exitCode != null || child.signalCode != null) return
  const exited = new Promise(resolve => { child.once('exit', resolve) })
  child.kill('SIGTERM')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}
