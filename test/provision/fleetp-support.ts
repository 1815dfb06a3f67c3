/** Runs the real, built `fleetp` CLI (dist/, built by `npm test`'s pretest) as a child process. */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createFleetSecrets, formatJoinToken } from '../../node/fleet/index.js'
import { buildDiskImage, FIXTURES } from '../support/disk-image.js'
import type { DiskImage } from '../support/disk-image.js'

export const FLEETP_CLI = resolve('dist/node/cli/fleetp.js')
/** Each case spawns fleetp a few times and writes images; on 2 shared cores that can take a while. */
export const CASE_TIMEOUT_MS = 180_000

export interface CliRun { code: number, stdout: string, stderr: string }

export async function fleetp (argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [FLEETP_CLI, ...argv], {
    env: { ...process.env, FLEETD_TOKEN: '', FLEETP_WIFI_PASS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (b: Buffer) => out.push(b))
  child.stderr.on('data', (b: Buffer) => err.push(b))
  const code = await new Promise<number>(res => child.on('close', c => { res(c ?? -1) }))
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }
}

export async function testToken (fleetId = 'fleet-provision-test'): Promise<string> {
  const secrets = await createFleetSecrets(1_700_000_000_000, fleetId)
  return formatJoinToken({ fleetId, networkKey: secrets.networkKey, trustedKeys: [], createdMs: secrets.createdMs, bootstrap: [] })
}

/** A DietPi-shaped image: real-shaped dietpi.txt and dietpi-wifi.txt, config/cmdline, an overlay and a binary blob. */
export async function dietpiImage (dir: string, rootMiB = 16): Promise<DiskImage> {
  return await buildDiskImage({
    dir,
    rootMiB,
    bootFiles: {
      'dietpi.txt': await readFile(join(FIXTURES, 'dietpi.txt')),
      'dietpi-wifi.txt': await readFile(join(FIXTURES, 'dietpi-wifi.txt')),
      'config.txt': await readFile(join(FIXTURES, 'config.txt')),
      'cmdline.txt': await readFile(join(FIXTURES, 'cmdline.txt')),
      'overlays/README': 'Device tree overlays live here.\n',
      'bcm2711-rpi-4-b.dtb': Buffer.alloc(50_000, 0xd0)
    }
  })
}

export async function raspiosImage (dir: string): Promise<DiskImage> {
  return await buildDiskImage({
    dir,
    rootFiles: { 'etc/hostname': 'raspberrypi\n', 'etc/rpi-issue': 'Raspberry Pi reference 2024-11-19\n' },
    bootFiles: {
      'config.txt': await readFile(join(FIXTURES, 'config.txt')),
      'cmdline.txt': await readFile(join(FIXTURES, 'cmdline.txt')),
      'issue.txt': 'Raspberry Pi reference 2024-11-19\n'
    }
  })
}
