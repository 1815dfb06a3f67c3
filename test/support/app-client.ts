/** Helpers of the agent tests: an HTTP GET on the app's port and the app processes an agent left running. */
import { readdir, readFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'

/** GET http://127.0.0.1:<port><path>; resolves with the trimmed body, rejects on error or after 2 s. */
export async function httpGet (port: number, path = '/'): Promise<string> {
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 2_000 }, res => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => { resolve(body.trim()) })
    })
    req.on('timeout', () => { req.destroy(new Error('timed out')) })
    req.on('error', reject)
    req.end()
  })
}

/**
 * App processes started by the agent of a storage dir: live process-group leaders whose
 * FLEETD_INSTANCE id is in the agent's state, or whose HOME is under the storage dir (an
 * instance whose record was lost).
 */
export async function appProcesses (storageDir: string): Promise<number[]> {
  const state = JSON.parse(await readFile(join(storageDir, 'agent', 'state.json'), 'utf8').catch(() => '{"apps":{}}')) as { apps: Record<string, { instances: Record<string, { id: string }> }> }
  const ids = new Set<string>()
  for (const app of Object.values(state.apps)) for (const i of Object.values(app.instances)) ids.add(i.id)
  const pids: number[] = []
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '')
    const match = /FLEETD_INSTANCE=([^\0]+)/.exec(environ)
    if (match == null) continue
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(fields[2]) === pid && fields[0] !== 'Z' && (ids.has(match[1] ?? '') || environ.includes(`HOME=${storageDir}`))) pids.push(pid)
  }
  return pids
}
