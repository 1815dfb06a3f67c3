import { writeFile } from 'node:fs/promises'
import { keyStore } from '../../../content/keys/index.js'
import { FleetStore } from '../../fleet/index.js'
import { systemClock } from '../../ports/index.js'
import { parseFlags, UsageError } from '../args.js'

export const TOKEN_HELP = `Usage: fleets token create [--db fleet.db] [--fleet-id ID] [--bootstrap ADDR]... [--release-key NAME]... [--keys-dir D] [--out FILE] [--json]

Print a join token for this fleet. The first call creates the fleet (its id, private-network
key and fleet signing key) in the coordinator database; later calls mint tokens for the same
fleet. A token admits a device to the fleet: keep it secret (--out writes it with mode 0600).
`

const FLEET_ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,62}$/

export async function tokenCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || sub == null) { process.stdout.write(TOKEN_HELP); return sub == null ? 2 : 0 }
  if (sub !== 'create') throw new UsageError(`unknown subcommand '${sub}'; the token command has: create`, 'token')
  const { values } = parseFlags('token create', rest, {
    db: { type: 'string' }, 'fleet-id': { type: 'string' }, bootstrap: { type: 'string', multiple: true },
    out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    'release-key': { type: 'string', multiple: true }, 'keys-dir': { type: 'string' }
  })
  if (values.help === true) { process.stdout.write(TOKEN_HELP); return 0 }
  const fleetId = values['fleet-id']
  if (fleetId != null && !FLEET_ID_PATTERN.test(fleetId)) {
    throw new UsageError(`--fleet-id must be 3–63 lowercase letters, digits or dashes, got '${fleetId}'`, 'token create')
  }
  const store = await FleetStore.open(values.db ?? 'fleet.db')
  try {
    const keys = keyStore(values['keys-dir'] != null ? { dir: values['keys-dir'] } : {})({ clock: systemClock() })
    const releaseKeys = await Promise.all((values['release-key'] ?? []).map(async name => {
      const exported = await keys.exportPublic(name)
      return { keyId: exported.keyId, publicKey: new Uint8Array(Buffer.from(exported.publicKey, 'base64')), role: 'artifact' }
    }))
    const result = await store.createToken(Date.now(), { ...(fleetId != null ? { fleetId } : {}), bootstrap: values.bootstrap ?? [], extraTrustedKeys: releaseKeys })
    if (values.out != null) await writeFile(values.out, result.token + '\n', { mode: 0o600 })
    if (values.json === true) {
      process.stdout.write(JSON.stringify({ ...result, db: store.path, out: values.out ?? null }) + '\n')
    } else {
      if (result.created) process.stderr.write(`created fleet ${result.fleetId} in ${store.path}\n`)
      process.stdout.write(values.out != null ? `token for fleet ${result.fleetId} written to ${values.out}\n` : result.token + '\n')
    }
    return 0
  } finally {
    await store.close()
  }
}
