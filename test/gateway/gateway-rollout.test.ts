/**
 * MCUs as fleet devices, end to end on loopback (mDNS off): a real `fleets server`, one real
 * gateway `fleet-node join --gateway A --gateway B --mcu esp32`, and behind each port a real pty
 * pair (socat) with fb-host, the C firmware bridge built for Linux over a simulated flash. Signed
 * ESP-IDF images go in with `fleets artifact upload`; deployments are made with `fleets deploy`.
 * Checked, in order:
 * - both MCUs appear in the coordinator's device list (tier 3, parent = the gateway, ids from
 *   their MACs, the firmware version they run);
 * - `fleet-node mcu flash` on a port the gateway holds fails with FLEET_ERR_PORT_LOCKED;
 * - a canary of 2.0.0 (50% then 100%, a deployment id chosen so the first phase holds exactly
 *   one MCU) flashes the canary first, then the other; both end on 2.0.0, the deployment succeeds;
 * - 3.0.0, whose app reports unhealthy after boot (fb-host's `fb-unhealthy` project), is
 *   rolled back by the device at once, the failing report triggers the coordinator's automatic
 *   rollback, and both MCUs end on 2.0.0;
 * - a third port of the same gateway has a LoRa modem (the simulated modem of gateway/lora on a
 *   pty, with the C device reference as two end devices, 10% downlink loss): its devices file's
 *   two devices are listed (tier 4), and an all-at-once deployment delivers the firmware as one
 *   FUOTA multicast stream, re-signed with the gateway's LoRa key; both devices install it;
 *   the devices' factory 1.0.0 was never uploaded, so that stream is the full image;
 * - 3.0.0 of the same LoRa firmware (a small change of 2.0.0, which the gateway now holds and
 *   pins `child`) goes out as an FLD1 delta against 2.0.0: the stream is the delta's size, far
 *   below the image's, and the C devices end on 3.0.0 with verified signature and hash;
 * - an operator rollback during a healthy canary of 4.0.0 re-flashes the canary MCU to 2.0.0.
 */
import { execFile } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildEspImage } from '../../gateway/esp-image/index.js'
import { encodeDelta } from '../../gateway/lora/delta.js'
import { cohortBucket } from '../../node/plans/cohort.js'
import { FLEET_NODE_CLI, FLEETS_CLI, runCli, startFleetNode, tempDir } from '../support/fleet-node-proc.js'
import type { RunningNode } from '../support/fleet-node-proc.js'
import { buildFirmwareBridge, installFactoryImage, ptyPair, startFbHost } from '../support/gateway-ptys.js'
import type { FbHost, PtyPair } from '../support/gateway-ptys.js'
import { seededBytes } from '../support/seeded-bytes.js'
import { pollUntil } from '../support/poll-until.js'

const execFileAsync = promisify(execFile)
const APP = 'sensor-fw'
const MACS = ['24:6f:28:00:00:0a', '24:6f:28:00:00:0b']
const CHILD_IDS = ['esp32-246f2800000a', 'esp32-246f2800000b']
const LORA_APP = 'lora-fw'
const LORA_ADDRS = ['26010000', '26010001']
const LORA_IDS = LORA_ADDRS.map(a => `lora-${a}`)
const TSX = 'node_modules/.bin/tsx'
const loraV1 = seededBytes(41, 1600)
const loraV2 = seededBytes(42, 1600)
/** 3.0.0: 2.0.0 with a few patched constants, the small change a delta is for. */
const loraV3 = (() => { const t = loraV2.slice(); t.set([0xde, 0xad, 0xbe, 0xef], 300); t.set([1, 2], 1_200); return t })()

interface Device { id: string, name: string, tier: number, parent?: string, platform: string, status: string, agentVersion: string, apps: Record<string, { version: string, health: string, step: string }> }
interface Deployment { id: string, state: string, phase: number, engineState?: { history: Array<{ to: string, reason?: { code: string, message: string } }> } }

let dir = ''
let server: ChildProcess | undefined
let serverOut = ''
let apiUrl = ''
let adminToken = ''
let gateway: RunningNode | undefined
const ptys: PtyPair[] = []
const mcus: FbHost[] = []
let loraPty: PtyPair | undefined
let simModem: ChildProcess | undefined
let simOut = ''

const logs = (): string => [`coordinator:\n${serverOut.split('\n').slice(-30).join('\n')}`, `gateway:\n${gateway?.logs().split('\n').slice(-60).join('\n') ?? ''}`,
  ...mcus.map((m, i) => `mcu ${i}:\n${m.stderr().split('\n').slice(-8).join('\n')}`), `lora sim modem:\n${simOut.split('\n').slice(-10).join('\n')}`].join('\n')

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

async function children (): Promise<Device[]> {
  const { devices } = await api<{ devices: Device[] }>('/devices')
  return devices.filter(d => CHILD_IDS.includes(d.id)).sort((a, b) => a.id.localeCompare(b.id))
}

/** A deployment id whose first 50% phase holds exactly the child `canary` (the cohort rule hashes the id). */
function idWithCanary (prefix: string, canary: number): string {
  for (let i = 0; ; i++) {
    const id = `${prefix}-${i}`
    const inFirst = CHILD_IDS.map(c => cohortBucket(id, c) < 5000)
    if (inFirst[canary] === true && inFirst[1 - canary] === false) return id
  }
}

async function deploy (id: string, version: string, extra: string[] = []): Promise<void> {
  await fleets(['deploy', 'create', '--app', APP, '--version', version, '--id', id, '--target', 'mcu=esp32', '--strategy', 'canary',
    '--initial', '50%', '--increment', '50%', '--interval', extra.includes('--long') ? '10m' : '2s', '--min-samples', '1', '--rollback-on-error', '1%',
    '--evaluation-interval', '1s', '--json'])
}

async function ended (id: string, end: string, timeoutMs: number): Promise<Deployment> {
  return await until(`deployment ${id} to end ${end}`, async () => {
    const { deployment } = await api<{ deployment: Deployment }>(`/deployments/${id}`)
    if (['succeeded', 'rolled-back', 'failed'].includes(deployment.state)) {
      if (deployment.state !== end) throw Object.assign(new Error(`deployment ${id} ended ${deployment.state}, expected ${end}`), { fatal: true })
      return deployment
    }
    return undefined
  }, timeoutMs)
}

/** Both MCUs run `version` and the registry has their healthy reports of it. */
async function converged (version: string, timeoutMs: number): Promise<Device[]> {
  return await until(`both MCUs healthy on ${version}`, async () => {
    const list = await children()
    return list.length === 2 && list.every(d => d.apps[APP]?.version === version && d.apps[APP].health === 'healthy' && d.agentVersion === version) ? list : undefined
  }, timeoutMs)
}

beforeAll(async () => {
  buildFirmwareBridge()
  dir = await tempDir('gateway-rollout')
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

  const images: Array<[string, string | undefined]> = [['1.0.0', undefined], ['2.0.0', undefined], ['3.0.0', 'fb-unhealthy'], ['4.0.0', undefined]]
  for (const [version, project] of images) {
    const file = join(dir, `${APP}-${version}.bin`)
    await writeFile(file, buildEspImage({ version, projectName: project ?? APP, seed: Number(version[0]), payloadBytes: 24_000 }))
    const up = await runCli(FLEETS_CLI, ['artifact', 'upload', '--name', APP, '--version', version, '--type', 'binary', '--file', file,
      '--platform', 'esp32', '--keys-dir', keysDir, '--node-storage-dir', `${db}.node`])
    if (up.code !== 0) throw new Error(`upload of ${version} failed: ${up.stderr}\n${logs()}`)
  }
  for (const [i, mac] of MACS.entries()) {
    const pty = await ptyPair()
    ptys.push(pty)
    const flash = join(pty.dir, 'flash.bin')
    installFactoryImage(flash, join(dir, `${APP}-1.0.0.bin`))
    mcus.push(startFbHost({ port: pty.device, flash, uid: mac }))
    expect(i).toBeLessThan(2)
  }
  const lora = await startLora(keysDir, db)
  gateway = startFleetNode({
    storageDir: join(dir, 'gateway'),
    args: ['--token-file', tokenFile, '--no-mdns', '--rpc-port', '0', '--name', 'gw-lab', '--heartbeat-ms', '1000', '--listen', '/ip4/127.0.0.1/tcp/0',
      '--telemetry-interval', 'off', ...ptys.flatMap(p => ['--gateway', p.gateway]), '--gateway', lora.port, '--mcu', 'esp32', '--mcu', 'esp32', '--mcu', 'lora',
      '--lora-devices', lora.devicesFile, '--lora-key', lora.keyFile]
  })
  await fleets(['app', 'create', '--name', APP, '--artifact', `${APP}:1.0.0`, '--runtime', 'mcu-firmware'])
  await fleets(['app', 'create', '--name', LORA_APP, '--artifact', `${LORA_APP}:2.0.0`, '--runtime', 'mcu-firmware'])
}, 180_000)

/**
 * The LoRa port: a pty pair, the simulated modem (gateway/lora) with two C end devices on one end,
 * a devices file naming them, and the Ed25519 key they trust; the firmware artifacts uploaded.
 */
async function startLora (keysDir: string, db: string): Promise<{ port: string, devicesFile: string, keyFile: string }> {
  await execFileAsync('make', ['-s', '-C', 'firmware-bridge/lora', 'all'], { timeout: 120_000 })
  const keys = generateKeyPairSync('ed25519')
  const keyFile = join(dir, 'lora-key.pem')
  await writeFile(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  await writeFile(join(dir, 'lora-pub.pem'), keys.publicKey.export({ type: 'spki', format: 'pem' }))
  await writeFile(join(dir, `${LORA_APP}-1.0.0.bin`), loraV1) // the devices' factory image, never uploaded
  for (const [version, bytes] of [['2.0.0', loraV2], ['3.0.0', loraV3]] as const) {
    const file = join(dir, `${LORA_APP}-${version}.bin`)
    await writeFile(file, bytes)
    const up = await runCli(FLEETS_CLI, ['artifact', 'upload', '--name', LORA_APP, '--version', version, '--type', 'binary', '--file', file,
      '--platform', 'lora', '--keys-dir', keysDir, '--node-storage-dir', `${db}.node`])
    if (up.code !== 0) throw new Error(`upload of ${LORA_APP} ${version} failed: ${up.stderr}`)
  }
  const devicesFile = join(dir, 'lora-devices.json')
  await writeFile(devicesFile, JSON.stringify({ devices: LORA_ADDRS.map(devAddr => ({ devAddr, version: '1.0.0', counter: 1 })) }))
  await mkdir(join(dir, 'lora-out'))
  loraPty = await ptyPair()
  simModem = spawn(TSX, ['gateway/lora/cli/sim-modem-cli.ts', '--tty', loraPty.device, '--pubkey', join(dir, 'lora-pub.pem'), '--image', join(dir, `${LORA_APP}-1.0.0.bin`),
    '--version', '1', '--devices', LORA_ADDRS.join(','), '--out-dir', join(dir, 'lora-out'), '--loss', '0.1', '--seed', '5'], { stdio: ['ignore', 'pipe', 'pipe'] })
  simModem.stdout?.on('data', (c: Buffer) => { simOut += c.toString() })
  simModem.stderr?.on('data', (c: Buffer) => { simOut += c.toString() })
  await until('the simulated LoRa modem', () => /ready/.test(simOut) ? true : undefined, 60_000)
  return { port: loraPty.gateway, devicesFile, keyFile }
}

afterAll(async () => {
  await gateway?.stop().catch(() => {})
  server?.kill('SIGTERM')
  simModem?.kill('SIGTERM')
  await loraPty?.stop()
  for (const m of mcus) await m.stop()
  for (const p of ptys) await p.stop()
}, 60_000)

describe('MCUs behind a gateway fleet-node are fleet devices that deployments reach', () => {
  it('lists both MCUs in the coordinator: tier 3, parent = the gateway, ids from their MACs, running 1.0.0', async () => {
    const status = await gateway?.waitFor('the gateway to join', s => s.peers.length > 0, 60_000)
    const list = await until('both MCUs in the device list', async () => {
      const found = await children()
      return found.length === 2 && found.every(d => d.status === 'online') ? found : undefined
    }, 60_000)
    for (const [i, d] of list.entries()) {
      expect(d).toMatchObject({ id: CHILD_IDS[i], tier: 3, parent: status?.peerId, platform: 'esp32', agentVersion: '1.0.0' })
      expect(d.name).toMatch(/^gw-lab\/gateway$/)
    }
    // The gateway's own view: `fleet-node gateway` through its status API.
    const local = await runCli(FLEET_NODE_CLI, ['gateway', '--storage-dir', join(dir, 'gateway')])
    expect(local.code, local.stderr).toBe(0)
    for (const id of [...CHILD_IDS, ...LORA_IDS]) expect(local.stdout).toContain(id)
    const cli = JSON.parse(await fleets(['devices', 'list', '--label', 'mcu=esp32', '--json'])) as { devices: Device[] } | Device[]
    const rows = Array.isArray(cli) ? cli : cli.devices
    expect(rows.map(d => d.id).sort()).toEqual(CHILD_IDS)
  }, 90_000)

  it('refuses fleet-node mcu info and flash on a port the gateway holds (FLEET_ERR_PORT_LOCKED)', async () => {
    const port = ptys[0]?.gateway ?? ''
    for (const args of [['info'], ['flash', '--file', join(dir, `${APP}-2.0.0.bin`)]]) {
      const run = await runCli(FLEET_NODE_CLI, ['mcu', ...args, '--port', port, '--mcu', 'esp32'])
      expect(run.code, run.stderr).toBe(1)
      expect(run.stderr).toMatch(/is in use by gateway fleet-node \(gw-lab\) \(pid \d+\).*\[FLEET_ERR_PORT_LOCKED\]/s)
    }
  }, 30_000)

  it('a canary of 2.0.0 flashes one MCU, then the other; the deployment succeeds', async () => {
    const id = idWithCanary('fw-2', 0)
    await deploy(id, '2.0.0')
    // The canary MCU is flashed while the other still runs 1.0.0.
    await until('the canary on 2.0.0 while the other waits', async () => {
      const [a, b] = await children()
      if (b?.apps[APP]?.version === '2.0.0') throw Object.assign(new Error('the second MCU was flashed in the canary phase'), { fatal: true })
      return a?.apps[APP]?.version === '2.0.0' && a.apps[APP].health === 'healthy' ? true : undefined
    }, 60_000)
    await ended(id, 'succeeded', 90_000)
    await converged('2.0.0', 30_000)
  }, 150_000)

  it('3.0.0 reports unhealthy after boot: the device rolls back, the coordinator rolls back the deployment, both run 2.0.0', async () => {
    const id = idWithCanary('fw-3', 1)
    await deploy(id, '3.0.0')
    const done = await ended(id, 'rolled-back', 90_000)
    // The automatic rollback, not an operator's: the engine's own reason is the failing canary.
    const rollingBack = done.engineState?.history.find(h => h.to === 'rolling-back')
    expect(rollingBack?.reason?.message, JSON.stringify(done.engineState?.history)).toMatch(/error|fail/i)
    const list = await converged('2.0.0', 30_000)
    expect(list.map(d => d.agentVersion)).toEqual(['2.0.0', '2.0.0'])
    // Only the canary MCU got 3.0.0: it booted the unhealthy app once and went back to 2.0.0.
    expect(mcus[1]?.stderr()).toMatch(/project 'fb-unhealthy' version '3\.0\.0'/)
    expect(mcus[0]?.stderr()).not.toMatch(/fb-unhealthy/)
  }, 150_000)

  it('LoRa end devices behind the same gateway take a deployment as one FUOTA stream', async () => {
    const gw = (await gateway?.status())?.peerId
    const lora = await until('both LoRa devices in the device list', async () => {
      const { devices } = await api<{ devices: Device[] }>('/devices')
      const found = devices.filter(d => LORA_IDS.includes(d.id)).sort((a, b) => a.id.localeCompare(b.id))
      return found.length === 2 ? found : undefined
    }, 30_000)
    for (const d of lora) expect(d).toMatchObject({ tier: 4, parent: gw, platform: 'lora', agentVersion: '1.0.0' })
    const id = 'lora-2'
    await fleets(['deploy', 'create', '--app', LORA_APP, '--version', '2.0.0', '--id', id, '--target', 'mcu=lora', '--strategy', 'all-at-once',
      '--duration', '2s', '--min-samples', '1', '--rollback-on-error', '1%', '--evaluation-interval', '1s', '--inconclusive-max', '150'])
    await ended(id, 'succeeded', 120_000)
    const { devices } = await api<{ devices: Device[] }>('/devices')
    for (const lid of LORA_IDS) expect(devices.find(d => d.id === lid)?.apps[LORA_APP]).toMatchObject({ version: '2.0.0', health: 'healthy' })
    const { reports } = await api<{ reports: Array<{ deviceId: string, metrics: Record<string, number> }> }>(`/deployments/${id}/reports`)
    const m = reports.find(r => r.deviceId === LORA_IDS[0])?.metrics ?? {}
    console.log(`LoRa delivery of ${loraV2.length} B to 2 devices at 10% loss: ${m['lora.fragmentsSent']} fragments for NbFrag ${m['lora.nbFrag']}, ${m['lora.airtimeMs']} ms on air, ${m['lora.elapsedMs']} ms elapsed`)
    // What the C devices rebuilt, verified (signature with the key they trust, SHA-256) and installed.
    for (const addr of LORA_ADDRS) expect(new Uint8Array(await readFile(join(dir, 'lora-out', `${addr}.bin`)))).toEqual(loraV2)
    // Their base, 1.0.0, was never delivered through the gateway: the full image, and the log says why.
    expect(m).toMatchObject({ 'lora.delta': 0, 'lora.payloadBytes': loraV2.length + 116 })
    expect(gateway?.logs()).toMatch(/firmware 2\.0\.0 to lora-26010000, lora-26010001 as the full image \(1716 B\): no delta base for lora-26010000 \(runs 1\.0\.0\): lora-fw@1\.0\.0 is not held/)
  }, 150_000)

  it('3.0.0 of the LoRa firmware goes out as a delta against 2.0.0, which the gateway keeps pinned', async () => {
    // The gateway pinned what its LoRa children run, so GC keeps the delta base.
    const local = JSON.parse((await runCli(FLEET_NODE_CLI, ['artifact', 'list', '--storage-dir', join(dir, 'gateway'), '--json'])).stdout) as { pins: Array<{ app: string, version: string, reason: string }> }
    expect(local.pins.filter(p => p.app === LORA_APP && p.reason === 'child').map(p => p.version)).toEqual(['2.0.0'])
    const id = 'lora-3'
    await fleets(['deploy', 'create', '--app', LORA_APP, '--version', '3.0.0', '--id', id, '--target', 'mcu=lora', '--strategy', 'all-at-once',
      '--duration', '2s', '--min-samples', '1', '--rollback-on-error', '1%', '--evaluation-interval', '1s', '--inconclusive-max', '150'])
    await ended(id, 'succeeded', 120_000)
    const { reports } = await api<{ reports: Array<{ deviceId: string, metrics: Record<string, number> }> }>(`/deployments/${id}/reports`)
    const m = reports.find(r => r.deviceId === LORA_IDS[0])?.metrics ?? {}
    console.log(`LoRa delta 2.0.0 -> 3.0.0: ${m['lora.payloadBytes']} B instead of ${m['lora.fullBytes']} B; ${m['lora.fragmentsSent']} fragments for NbFrag ${m['lora.nbFrag']} (full: NbFrag ${m['lora.nbFragFull']}), ${m['lora.airtimeMs']} ms on air, ~${m['lora.fragmentsSaved']} fragments and ~${m['lora.airtimeSavedMs']} ms saved`)
    expect(m['lora.delta']).toBe(1)
    expect(m['lora.fullBytes']).toBe(loraV3.length + 116)
    // The stream is the envelope header (116 B) plus the delta, far below the image's 1716 B.
    expect(m['lora.payloadBytes']).toBe(116 + encodeDelta(loraV2, loraV3).length)
    expect(m['lora.payloadBytes']).toBeLessThan(m['lora.fullBytes']! / 5)
    // A block this small is cut into at least 8 fragments either way: the delta's are shorter, so the saving is airtime.
    expect(m['lora.nbFrag']).toBeLessThanOrEqual(m['lora.nbFragFull']!)
    expect(m['lora.airtimeSavedMs']).toBeGreaterThan(0)
    expect(gateway?.logs()).toMatch(/firmware 3\.0\.0 to lora-26010000, lora-26010001 as a delta against 2\.0\.0/)
    // The C devices applied the delta to what they run, checked the signature and the result's SHA-256.
    for (const addr of LORA_ADDRS) expect(new Uint8Array(await readFile(join(dir, 'lora-out', `${addr}.bin`)))).toEqual(loraV3)
    const { devices } = await api<{ devices: Device[] }>('/devices')
    for (const lid of LORA_IDS) expect(devices.find(d => d.id === lid)?.apps[LORA_APP]).toMatchObject({ version: '3.0.0', health: 'healthy' })
    // Now 3.0.0 is the base to keep; 2.0.0 is let go (its child pin dropped).
    await until('the child pin moved to 3.0.0', async () => {
      const after = JSON.parse((await runCli(FLEET_NODE_CLI, ['artifact', 'list', '--storage-dir', join(dir, 'gateway'), '--json'])).stdout) as typeof local
      return after.pins.filter(p => p.app === LORA_APP && p.reason === 'child').map(p => p.version).join() === '3.0.0' ? true : undefined
    }, 10_000)
  }, 150_000)

  it('an operator rollback during a healthy canary of 4.0.0 re-flashes the canary MCU to 2.0.0', async () => {
    const id = idWithCanary('fw-4', 0)
    await deploy(id, '4.0.0', ['--long'])
    await until('the canary on 4.0.0', async () => (await children())[0]?.apps[APP]?.version === '4.0.0' ? true : undefined, 60_000)
    expect((await children())[1]?.agentVersion).toBe('2.0.0')
    await fleets(['deploy', 'rollback', id, '--reason', 'operator test'])
    await ended(id, 'rolled-back', 90_000)
    await converged('2.0.0', 30_000)
    // Read back over the bridge itself once the gateway has let go of the port.
    await gateway?.stop()
    const { stdout } = await execFileAsync(process.execPath, [FLEET_NODE_CLI, 'mcu', 'info', '--port', ptys[0]?.gateway ?? '', '--mcu', 'esp32', '--json'], { timeout: 30_000 })
    const info = JSON.parse(stdout) as { runningVersion: string, uid: string, slots: Array<{ version: string }> }
    expect(info).toMatchObject({ runningVersion: '2.0.0', uid: '246f2800000a' })
    expect(info.slots.map(s => s.version).sort()).toEqual(['2.0.0', '4.0.0'])
  }, 150_000)
})
