/**
 * An STM32 behind a gateway takes a firmware deployment, end to end on loopback (mDNS off): a real
 * `fleets server`, a real gateway `fleet-node join --gateway P --mcu stm32`, and on the pty (socat)
 * fb-host posing as an STM32F411 (`--chip 0x8431`: the STM32 flag | DEV_ID 0x431, a 96-bit UID).
 * Signed FleetD STM32 images (`fleet-node mcu image`, firmware-bridge/IMAGE.md) go in with
 * `fleets artifact upload`. Checked:
 * - the MCU is listed as `stm32-<uid>`, platform stm32, running the factory image's 1.0.0;
 * - an all-at-once deployment of 2.0.0 flashes it over the bridge, the bridge reads 2.0.0 from
 *   the image header after the reboot, the gateway confirms, the deployment succeeds;
 * - read back with `fleet-node mcu info` once the gateway let go of the port: slots 1.0.0 and
 *   2.0.0; `fleet-node mcu flash` of an STM32L476 build is refused before a byte is sent.
 */
import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FLEET_NODE_CLI, FLEETS_CLI, runCli, startFleetNode, tempDir } from '../support/fleet-node-proc.js'
import type { RunningNode } from '../support/fleet-node-proc.js'
import { buildFirmwareBridge, installFactoryImage, ptyPair, startFbHost } from '../support/gateway-ptys.js'
import type { FbHost, PtyPair } from '../support/gateway-ptys.js'
import { seededBytes } from '../support/seeded-bytes.js'
import { pollUntil } from '../support/poll-until.js'

const APP = 'pump-fw'
const UID = '20:38:47:31:35:34:51:0a:00:3c:00:2b'
const CHILD_ID = 'stm32-203847313534510a003c002b'
const CHIP = 0x8431

interface Device { id: string, tier: number, parent?: string, platform: string, status: string, agentVersion: string, labels?: Record<string, string>, apps: Record<string, { version: string, health: string }> }

let dir = ''
let server: ChildProcess | undefined
let serverOut = ''
let apiUrl = ''
let adminToken = ''
let gateway: RunningNode | undefined
let pty: PtyPair | undefined
let mcu: FbHost | undefined

const logs = (): string => [`coordinator:\n${serverOut.split('\n').slice(-20).join('\n')}`, `gateway:\n${gateway?.logs().split('\n').slice(-40).join('\n') ?? ''}`,
  `mcu:\n${mcu?.stderr().split('\n').slice(-8).join('\n') ?? ''}`].join('\n')

async function api<T> (path: string): Promise<T> {
  const r = await fetch(`${apiUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${adminToken}` } })
  if (!r.ok) throw new Error(`GET ${path} answered ${r.status}: ${await r.text()}`)
  return await r.json() as T
}

async function fleets (args: string[]): Promise<string> {
  const r = await runCli(FLEETS_CLI, [...args, '--server', apiUrl, '--token', adminToken], 60_000)
  if (r.code !== 0) throw new Error(`fleets ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
  return r.stdout
}

async function until<T> (what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  return await pollUntil(what, probe, timeoutMs, logs)
}

async function child (): Promise<Device | undefined> {
  const { devices } = await api<{ devices: Device[] }>('/devices')
  return devices.find(d => d.id === CHILD_ID)
}

/** Wraps a seeded "app binary" with `fleet-node mcu image`, as a user would their objcopy output. */
async function wrap (version: string, chip: string, seed: number): Promise<string> {
  const bin = join(dir, `app-${version}-${chip}.bin`)
  const out = join(dir, `${APP}-${version}-${chip}.fs32`)
  await writeFile(bin, seededBytes(seed, 20_000))
  const r = await runCli(FLEET_NODE_CLI, ['mcu', 'image', '--chip', chip, '--version', version, '--secure-version', '1', '--file', bin, '--out', out])
  if (r.code !== 0) throw new Error(`mcu image failed (${r.code}): ${r.stderr}`)
  expect(r.stdout).toContain(`${chip} ${version} (secure version 1)`)
  return out
}

beforeAll(async () => {
  buildFirmwareBridge()
  dir = await tempDir('gateway-stm32')
  const keysDir = join(dir, 'keys')
  expect((await runCli(FLEETS_CLI, ['keys', 'generate', 'release', '--keys-dir', keysDir])).code).toBe(0)
  const db = join(dir, 'fleet.db')
  const tokenFile = join(dir, 'fleet.token')
  server = spawn(process.execPath, [FLEETS_CLI, 'server', '--db', db, '--port', '0', '--keys-dir', keysDir, '--no-mdns', '--rpc-port', '0',
    '--listen', '/ip4/127.0.0.1/tcp/0', '--heartbeat-ms', '1000', '--join-token-out', tokenFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  server.stdout?.on('data', (c: Buffer) => { serverOut += c.toString() })
  server.stderr?.on('data', (c: Buffer) => { serverOut += c.toString() })
  await until('the coordinator to start', () => /join token written/.test(serverOut) ? true : undefined, 60_000)
  apiUrl = /coordinator API on (http:\/\/\S+)/.exec(serverOut)?.[1] ?? ''
  adminToken = /^admin token \(shown once, keep it\): (\S+)$/m.exec(serverOut)?.[1] ?? ''
  expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

  const factory = await wrap('1.0.0', 'stm32f411', 1)
  for (const version of ['1.0.0', '2.0.0']) {
    const file = version === '1.0.0' ? factory : await wrap(version, 'stm32f411', 2)
    const up = await runCli(FLEETS_CLI, ['artifact', 'upload', '--name', APP, '--version', version, '--type', 'binary', '--file', file,
      '--platform', 'stm32', '--keys-dir', keysDir, '--node-storage-dir', `${db}.node`])
    if (up.code !== 0) throw new Error(`upload of ${version} failed: ${up.stderr}\n${logs()}`)
  }
  pty = await ptyPair()
  const flash = join(pty.dir, 'flash.bin')
  installFactoryImage(flash, factory)
  mcu = startFbHost({ port: pty.device, flash, uid: UID, chip: CHIP })
  gateway = startFleetNode({
    storageDir: join(dir, 'gateway'),
    args: ['--token-file', tokenFile, '--no-mdns', '--rpc-port', '0', '--name', 'gw-stm', '--heartbeat-ms', '1000', '--listen', '/ip4/127.0.0.1/tcp/0',
      '--telemetry-interval', 'off', '--gateway', pty.gateway, '--mcu', 'stm32', '--mode', '8n1']
  })
  await fleets(['app', 'create', '--name', APP, '--artifact', `${APP}:1.0.0`, '--runtime', 'mcu-firmware'])
}, 120_000)

afterAll(async () => {
  await gateway?.stop().catch(() => {})
  server?.kill('SIGTERM')
  await mcu?.stop()
  await pty?.stop()
}, 30_000)

describe('an STM32 behind a gateway takes firmware deployments (FleetD STM32 image header)', () => {
  it('is listed as stm32-<uid>, platform stm32, running the factory 1.0.0', async () => {
    const status = await gateway?.waitFor('the gateway to join', s => s.peers.length > 0, 60_000)
    const d = await until('the STM32 in the device list', async () => {
      const found = await child()
      return found?.status === 'online' ? found : undefined
    }, 60_000)
    expect(d).toMatchObject({ tier: 3, parent: status?.peerId, platform: 'stm32', agentVersion: '1.0.0' })
  }, 90_000)

  it('a deployment of 2.0.0 flashes it; the bridge reports 2.0.0 from the image header; the deployment succeeds', async () => {
    await fleets(['deploy', 'create', '--app', APP, '--version', '2.0.0', '--id', 'stm-2', '--target', 'mcu=stm32', '--strategy', 'all-at-once',
      '--duration', '2s', '--min-samples', '1', '--rollback-on-error', '1%', '--evaluation-interval', '1s'])
    await until('deployment stm-2 to succeed', async () => {
      const { deployment } = await api<{ deployment: { state: string } }>('/deployments/stm-2')
      if (['rolled-back', 'failed'].includes(deployment.state)) throw Object.assign(new Error(`deployment stm-2 ended ${deployment.state}`), { fatal: true })
      return deployment.state === 'succeeded' ? true : undefined
    }, 60_000)
    const d = await until('the STM32 healthy on 2.0.0', async () => {
      const found = await child()
      return found?.apps[APP]?.version === '2.0.0' && found.apps[APP].health === 'healthy' && found.agentVersion === '2.0.0' ? found : undefined
    }, 20_000)
    expect(d.platform).toBe('stm32')
    expect(mcu?.stderr()).toMatch(/boot slot 1 reason 1 project 'fleet-app' version '2\.0\.0'/)
  }, 90_000)

  it('reads back 1.0.0 and 2.0.0 over the bridge, and refuses an STM32L476 build before sending a byte', async () => {
    await gateway?.stop()
    const info = await runCli(FLEET_NODE_CLI, ['mcu', 'info', '--port', pty?.gateway ?? '', '--mcu', 'stm32', '--json'])
    expect(info.code, info.stderr).toBe(0)
    const view = JSON.parse(info.stdout) as { runningVersion: string, uid: string, secureVersion: number, slots: Array<{ version: string }> }
    expect(view).toMatchObject({ runningVersion: '2.0.0', uid: UID.replaceAll(':', ''), secureVersion: 1 })
    expect(view.slots.map(s => s.version).sort()).toEqual(['1.0.0', '2.0.0'])
    const other = await wrap('3.0.0', 'stm32l47x', 3)
    const flash = await runCli(FLEET_NODE_CLI, ['mcu', 'flash', '--port', pty?.gateway ?? '', '--mcu', 'stm32', '--file', other])
    expect(flash.code).toBe(1)
    expect(flash.stderr).toMatch(/built for stm32l47x \(DEV_ID 0x415\) but the device is stm32f411.*FLEET_ERR_STM32_IMAGE/s)
    expect(mcu?.stderr()).not.toMatch(/3\.0\.0/)
    // And `fleet-node mcu image` says what is wrong with its flags.
    const bad = await runCli(FLEET_NODE_CLI, ['mcu', 'image', '--chip', 'stm32zz', '--version', '1', '--file', other, '--out', join(dir, 'x.fs32')])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--chip must be one of stm32f40x, .*stm32f411.* or a DEV_ID, got 'stm32zz'/)
  }, 60_000)
})
