import { defaultKeysDir, keyStore, KeyStoreError } from '../../../content/keys/index.js'
import { systemClock } from '../../ports/index.js'
import { parseFlags, UsageError } from '../args.js'
import type { KeyInfo, KeyStore } from '../../../content/keys/index.js'

export const KEYS_HELP = `Usage: fleets keys <generate|list|export> [options]

Manage the Ed25519 keys this administrator signs artifacts and key updates with. Keys live in
one file each (mode 0600) in ${defaultKeysDir()} unless --keys-dir says otherwise.

  fleets keys generate NAME [--keys-dir D] [--json]   create a new key NAME
  fleets keys list [--keys-dir D] [--json]            list keys: name, key id, creation time
  fleets keys export NAME|KEYID [--keys-dir D] [--json]
                                                      print a key's public key (never the private key)

NAME is 1–64 lowercase letters, digits, '_' or '-', starting with a letter or digit. A key id is
the first 8 bytes of the SHA-256 of the raw public key, in hex.
`

const OPTIONS = { 'keys-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const

export async function keysCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || sub == null) { process.stdout.write(KEYS_HELP); return sub == null ? 2 : 0 }
  if (sub !== 'generate' && sub !== 'list' && sub !== 'export') {
    throw new UsageError(`unknown subcommand '${sub}'; the keys command has: generate, list, export`, 'keys')
  }
  const command = `keys ${sub}`
  const { values, positionals } = parseFlags(command, rest, OPTIONS, sub === 'list' ? 0 : 1)
  if (values.help === true) { process.stdout.write(KEYS_HELP); return 0 }
  const store = keyStore(values['keys-dir'] != null ? { dir: values['keys-dir'] } : {})({ clock: systemClock() })
  const json = values.json === true
  if (sub === 'list') return await list(store, json)
  const target = positionals[0]
  if (target == null) throw new UsageError(`missing the key ${sub === 'generate' ? 'NAME to create' : 'NAME or KEYID to export'}`, command)
  return sub === 'generate' ? await generate(store, target, json) : await exportKey(store, target, json)
}

async function generate (store: KeyStore, name: string, json: boolean): Promise<number> {
  let info: KeyInfo
  try {
    info = await store.generate(name)
  } catch (err) {
    if (err instanceof KeyStoreError && err.reason === 'invalid-name') throw new UsageError(err.message, 'keys generate')
    throw err
  }
  const { name: n, keyId, createdMs, publicKey, file } = info
  if (json) {
    process.stdout.write(JSON.stringify({ name: n, keyId, createdMs, publicKey, file }) + '\n')
  } else {
    process.stdout.write(`generated key ${n} (key id ${keyId}) in ${file}\npublic key ${publicKey}\n`)
    process.stderr.write('keep the key file private and backed up: whoever holds it can sign for this fleet\n')
  }
  return 0
}

async function list (store: KeyStore, json: boolean): Promise<number> {
  const keys = await store.list()
  for (const k of keys) if (k.insecure) warnInsecure(k.name, k.file)
  if (json) {
    process.stdout.write(JSON.stringify(keys.map(({ name, keyId, createdMs, publicKey, file, insecure }) => ({ name, keyId, createdMs, publicKey, file, insecure }))) + '\n')
    return 0
  }
  if (keys.length === 0) {
    process.stdout.write(`no keys in ${store.dir}; create one with fleets keys generate NAME\n`)
    return 0
  }
  const rows = [['NAME', 'KEY ID', 'CREATED'], ...keys.map(k => [k.name, k.keyId, new Date(k.createdMs).toISOString()])]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length))) ?? []
  process.stdout.write(rows.map(r => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n')
  return 0
}

async function exportKey (store: KeyStore, nameOrKeyId: string, json: boolean): Promise<number> {
  const exported = await store.exportPublic(nameOrKeyId)
  if (exported.insecure) warnInsecure(exported.name, `${store.dir}/${exported.name}.key`)
  const { name, keyId, publicKey } = exported
  process.stdout.write(json
    ? JSON.stringify({ name, keyId, publicKey }) + '\n'
    : `name        ${name}\nkey id      ${keyId}\npublic key  ${publicKey}\n`)
  return 0
}

function warnInsecure (name: string, file: string): void {
  process.stderr.write(`warning: key ${name} is accessible to other users; run chmod 600 ${file}\n`)
}
