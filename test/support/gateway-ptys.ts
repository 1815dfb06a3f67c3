/**
 * Real serial ptys for gateway tests: socat joins two ptys back to back (ptys here do no parity
 * and no DTR/RTS, so tests run 8N1 without reset), and fb-host, the firmware bridge built for
 * Linux, sits on one end as the MCU.
 */
import { spawn, execFileSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export const FIRMWARE_BRIDGE_DIR = join(import.meta.dirname, '..', '..', 'firmware-bridge')
export const FB_HOST = join(FIRMWARE_BRIDGE_DIR, 'build', 'fb-host')

/** Builds the host bridge (make is incremental: a no-op when nothing changed). */
export function buildFirmwareBridge (): void {
  execFileSync('make', ['-s', '-C', FIRMWARE_BRIDGE_DIR, 'all'], { stdio: 'pipe' })
}

export interface PtyPair { dir: string, gateway: string, device: string, stop: () => Promise<void> }

async function waitForPath (path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await stat(path).then(() => true, () => false)) return
    await sleep(20)
  }
  throw new Error(`${path} did not appear within ${timeoutMs} ms`)
}

export async function ptyPair (): Promise<PtyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-gw-'))
  const gateway = join(dir, 'gateway')
  const device = join(dir, 'device')
  const socat = spawn('socat', [`PTY,link=${gateway},raw,echo=0`, `PTY,link=${device},raw,echo=0`], { stdio: 'ignore' })
  await Promise.all([waitForPath(gateway, 5000), waitForPath(device, 5000)])
  return {
    dir, gateway, device,
    stop: async () => {
      await stopChild(socat)
      await rm(dir, { recursive: true, force: true })
    }
  }
}

export interface FbHostOptions { port: string, flash: string, slotKib?: number, chip?: number, baud?: number, powerCuts?: string, flashTiming?: string, /** The chip's unique id INFO reports (hex, colons allowed). */ uid?: string }

export interface FbHost { child: ChildProcess, stderr: () => string, stop: () => Promise<void> }

/** Writes a factory image into slot 0 of a fresh simulated flash. */
export function installFactoryImage (flash: string, image: string, slotKib = 256): void {
  execFileSync(FB_HOST, ['--flash', flash, '--slot-kib', String(slotKib), '--install', image], { stdio: 'pipe' })
}

export function startFbHost (o: FbHostOptions): FbHost {
  const args = ['--flash', o.flash, '--port', o.port, '--slot-kib', String(o.slotKib ?? 256), '--chip', String(o.chip ?? 0)]
  if (o.baud !== undefined) args.push('--baud', String(o.baud))
  if (o.uid !== undefined) args.push('--uid', o.uid)
  if (o.powerCuts !== undefined) args.push('--power-cuts', o.powerCuts)
  if (o.flashTiming !== undefined) args.push('--flash-timing', o.flashTiming)
  const child = spawn(FB_HOST, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr?.on('data', (d: Buffer) => { err += d.toString() })
  return { child, stderr: () => err, stop: async () => { await stopChild(child) } }
}

async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
  child.kill('SIGTERM')
  await Promise.race([exited, sleep(2000).then(() => { child.kill('SIGKILL') })])
  await exited
}
