/**
 * The two LoRa commands as real processes over a real pty pair (socat): `lora:sim-modem` on one
 * end with two C device processes on its simulated air, `lora:fuota` on the other sending a
 * signed delta in real time (real airtime waits: ~15 s).
 */
import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seededBytes } from '../../../test/support/seeded-bytes.js'

const run = promisify(execFile)
const TSX = 'node_modules/.bin/tsx'
let dir = ''
const children: ChildProcess[] = []

beforeAll(async () => {
  await run('make', ['-s', '-C', 'firmware-bridge/lora', 'all'], { timeout: 120_000 })
  dir = await mkdtemp(join(tmpdir(), 'lora-cli-'))
}, 180_000)
afterAll(async () => {
  for (const c of children) c.kill('SIGTERM')
  await rm(dir, { recursive: true, force: true })
})

async function waitFor (path: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await stat(path).then(() => true, () => false)) return
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`${path} did not appear`)
}

describe('lora:sim-modem and lora:fuota over a pty', () => {
  it('delivers a signed delta to two C devices and exits 0', async () => {
    const keys = generateKeyPairSync('ed25519')
    await writeFile(join(dir, 'key.pem'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }))
    await writeFile(join(dir, 'pub.pem'), keys.publicKey.export({ type: 'spki', format: 'pem' }))
    const v1 = seededBytes(21, 3000)
    const v2 = new Uint8Array([...v1.subarray(0, 1000), ...seededBytes(22, 40), ...v1.subarray(1000)])
    await writeFile(join(dir, 'v1.bin'), v1)
    await writeFile(join(dir, 'v2.bin'), v2)
    await mkdir(join(dir, 'out'))
    const socat = spawn('socat', [`pty,raw,echo=0,link=${join(dir, 'gw')}`, `pty,raw,echo=0,link=${join(dir, 'modem')}`], { stdio: 'ignore' })
    children.push(socat)
    await waitFor(join(dir, 'modem'))
    const sim = spawn(TSX, ['gateway/lora/cli/sim-modem-cli.ts', '--tty', join(dir, 'modem'), '--pubkey', join(dir, 'pub.pem'), '--image', join(dir, 'v1.bin'),
      '--devices', '26010000,26010001', '--out-dir', join(dir, 'out'), '--loss', '0.1', '--seed', '3'], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(sim)
    await new Promise<void>((resolve, reject) => {
      sim.stdout.on('data', (chunk: Buffer) => { if (chunk.toString().includes('ready')) resolve() })
      sim.once('exit', code => { reject(new Error(`sim modem exited ${code}`)) })
    })
    const { stdout } = await run(TSX, ['gateway/lora/cli/fuota-cli.ts', '--tty', join(dir, 'gw'), '--key', join(dir, 'key.pem'), '--image', join(dir, 'v2.bin'),
      '--base', join(dir, 'v1.bin'), '--version', '2', '--devices', '26010000,26010001', '--json'], { timeout: 120_000 })
    const summary = JSON.parse(stdout) as { sent: string, nbFrag: number, devices: Record<string, string> }
    expect(summary.sent).toBe('delta')
    expect(summary.nbFrag).toBeGreaterThanOrEqual(8)
    expect(summary.devices).toEqual({ 26010000: 'installed', 26010001: 'installed' })
    for (const name of ['26010000.bin', '26010001.bin']) expect(new Uint8Array(await readFile(join(dir, 'out', name)))).toEqual(v2)
  }, 150_000)

  it('refuses bad flags with exit code 2 and names them', async () => {
    const failed = await run(TSX, ['gateway/lora/cli/fuota-cli.ts', '--tty', 'x', '--key', 'k', '--image', 'i', '--version', '0', '--devices', 'zz']).catch((e: { code: number, stderr: string }) => e)
    expect(failed).toMatchObject({ code: 2 })
    expect((failed as { stderr: string }).stderr).toMatch(/--version: .*>=1.*--devices: a comma-separated list of hex DevAddrs \[FLEET_ERR_USAGE\]/s)
  }, 60_000)
})
