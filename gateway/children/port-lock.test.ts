/**
 * The per-port lock over real files and real processes: a live holder refuses with
 * FLEET_ERR_PORT_LOCKED naming it, a holder whose process is gone is taken over, release frees.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lockPort, portLockPath } from './port-lock.js'

let dir = ''
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'fleet-port-lock-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

async function exitedPid (): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise(resolve => child.once('exit', resolve))
  return child.pid ?? 0
}

describe('port lock', () => {
  it('refuses a port held by a live process, naming it; a symlink to the port is the same port', async () => {
    const port = join(dir, 'ttyUSB0')
    await writeFile(port, '')
    await symlink(port, join(dir, 'by-id'))
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' })
    try {
      await writeFile(await portLockPath(port, dir), `${holder.pid} gateway fleet-node (pi-lab)\n`)
      const err = await lockPort(join(dir, 'by-id'), 'fleet-node mcu flash', dir).catch((e: unknown) => e as Error & { code?: string })
      expect(err).toMatchObject({ code: 'FLEET_ERR_PORT_LOCKED' })
      expect((err as Error).message).toMatch(new RegExp(`in use by gateway fleet-node \\(pi-lab\\) \\(pid ${holder.pid}\\).*--gateway flags`))
    } finally {
      holder.kill('SIGKILL')
    }
  })

  it('takes over a lock whose process is gone, and frees it on release', async () => {
    const port = join(dir, 'ttyUSB1')
    const path = await portLockPath(port, dir)
    await writeFile(path, `${await exitedPid()} fleet-node mcu flash\n`)
    const lock = await lockPort(port, 'gateway fleet-node (t)', dir)
    expect(await readFile(path, 'utf8')).toBe(`${process.pid} gateway fleet-node (t)\n`)
    const err = await lockPort(port, 'again', dir).catch((e: unknown) => e as Error)
    expect(err).toMatchObject({ code: 'FLEET_ERR_PORT_LOCKED' })
    expect((err as Error).message).toMatch(/already used by this process/)
    await lock.release()
    const again = await lockPort(port, 'fleet-node mcu info', dir)
    await again.release()
  })
})
