import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { ProvisionOptionError } from './errors.js'

const entrySchema = z.object({
  deviceId: z.string(),
  hostname: z.string(),
  target: z.string(),
  os: z.string(),
  users: z.array(z.string()),
  password: z.string(),
  k3sToken: z.string().optional(),
  createdMs: z.number()
})
const fileSchema = z.object({ version: z.literal(1), devices: z.array(entrySchema) })
export type CredentialEntry = z.infer<typeof entrySchema>

/** `$XDG_CONFIG_HOME/fleetd/credentials.json`, else `~/.config/fleetd/credentials.json`: on the operator's machine, never on a card. */
export function defaultCredentialsPath (env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'fleetd', 'credentials.json')
}

/**
 * Appends the cards of one run to the operator's credentials file: mode 0600 in a 0700
 * directory, replaced atomically so an interrupted run cannot truncate the passwords of
 * earlier cards. A file that others can read is tightened to 0600 on the way.
 */
export async function appendCredentials (path: string, entries: readonly CredentialEntry[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  let current: z.infer<typeof fileSchema> = { version: 1, devices: [] }
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return undefined; throw err })
  if (text != null) {
    const parsed = fileSchema.safeParse(JSON.parse(text))
    if (!parsed.success) throw new ProvisionOptionError(`credentials file ${path} is not one fleetp wrote; move it away or pass another -credentials FILE`)
    current = parsed.data
  }
  current.devices.push(...entries)
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(current, null, 2) + '\n', { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, path)
}

export async function readCredentials (path: string): Promise<CredentialEntry[]> {
  return fileSchema.parse(JSON.parse(await readFile(path, 'utf8'))).devices
}
