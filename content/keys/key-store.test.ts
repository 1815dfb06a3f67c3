import { chmod, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { keyIdOf } from '../../node/fleet/index.js'
import { defaultKeysDir, KeyStoreError, keyStore } from './index.js'
import type { KeyStore } from './index.js'

const NOW_MS = 1_700_000_000_000

async function freshStore (): Promise<KeyStore> {
  const root = await mkdtemp(join(tmpdir(), 'fleetd-keys-'))
  // A directory that does not exist yet: generate must create it 0700.
  return keyStore({ dir: join(root, 'admin', 'keys') })({ clock: { nowMs: () => NOW_MS } })
}

async function storeError (promise: Promise<unknown>): Promise<KeyStoreError> {
  const err = await promise.then(() => { throw new Error('expected a KeyStoreError') }, (e: unknown) => e)
  expect(err).toBeInstanceOf(KeyStoreError)
  expect((err as KeyStoreError).code).toBe('FLEET_ERR_KEY_STORE')
  return err as KeyStoreError
}

describe('key store', () => {
  it('generates a key file with mode 0600 in a directory with mode 0700', async () => {
    const store = await freshStore()
    const info = await store.generate('release')
    expect(info).toMatchObject({ name: 'release', createdMs: NOW_MS, file: join(store.dir, 'release.key'), insecure: false })
    expect((await stat(store.dir)).mode & 0o777).toBe(0o700)
    expect((await stat(info.file)).mode & 0o777).toBe(0o600)
    const json = JSON.parse(await readFile(info.file, 'utf8')) as Record<string, unknown>
    expect(Object.keys(json).sort()).toEqual(['createdMs', 'keyId', 'name', 'privateKey'])
    expect(json).toMatchObject({ name: 'release', keyId: info.keyId, createdMs: NOW_MS })
    // Nothing else is left behind (no temporary files).
    expect(await readdir(store.dir)).toEqual(['release.key'])
  })

  it('loads the key it generated, by name and by key id', async () => {
    const store = await freshStore()
    const info = await store.generate('release')
    const key = await store.load('release')
    expect(key.type).toBe('Ed25519')
    expect(keyIdOf(key.publicKey.raw)).toBe(info.keyId)
    expect((await store.load(info.keyId)).equals(key)).toBe(true)
  })

  it('lists keys sorted by name, without private keys', async () => {
    const store = await freshStore()
    expect(await store.list()).toEqual([])
    await store.generate('zeta')
    await store.generate('alpha')
    await store.generate('mid-1')
    const list = await store.list()
    expect(list.map(k => k.name)).toEqual(['alpha', 'mid-1', 'zeta'])
    expect(JSON.stringify(list)).not.toContain('privateKey')
  })

  it('exports the raw public key in base64, by name or key id, and never the private key', async () => {
    const store = await freshStore()
    const info = await store.generate('release')
    const key = await store.load('release')
    const exported = await store.exportPublic('release')
    expect(exported).toEqual({ name: 'release', keyId: info.keyId, publicKey: Buffer.from(key.publicKey.raw).toString('base64'), insecure: false })
    expect(Buffer.from(exported.publicKey, 'base64')).toHaveLength(32)
    expect(await store.exportPublic(info.keyId)).toEqual(exported)
    const { privateKey: privateB64 } = JSON.parse(await readFile(info.file, 'utf8')) as { privateKey: string }
    expect(JSON.stringify(exported)).not.toContain(privateB64)
  })

  it('refuses an existing name and leaves the existing key untouched', async () => {
    const store = await freshStore()
    const first = await store.generate('release')
    const before = await readFile(first.file, 'utf8')
    const err = await storeError(store.generate('release'))
    expect(err.reason).toBe('exists')
    expect(err.message).toContain("a key named 'release' already exists")
    expect(await readFile(first.file, 'utf8')).toBe(before)
  })

  it('refuses invalid names', async () => {
    const store = await freshStore()
    for (const name of ['', 'Release', '../evil', '.hidden', '-x', 'a/b', 'with space', 'a'.repeat(65)]) {
      expect((await storeError(store.generate(name))).reason, name).toBe('invalid-name')
    }
  })

  it('says which key is missing', async () => {
    const store = await freshStore()
    const err = await storeError(store.load('nope'))
    expect(err.reason).toBe('not-found')
    expect(err.message).toContain("no key named or with key id 'nope'")
  })

  it('flags a key file that group or others can read', async () => {
    const store = await freshStore()
    const info = await store.generate('release')
    await chmod(info.file, 0o644)
    expect((await store.list())[0]?.insecure).toBe(true)
    expect((await store.exportPublic('release')).insecure).toBe(true)
  })

  it('refuses a key file that was edited, naming the file', async () => {
    const store = await freshStore()
    const info = await store.generate('release')
    const other = await store.generate('other')
    const json = JSON.parse(await readFile(info.file, 'utf8')) as Record<string, unknown>
    await writeFile(info.file, JSON.stringify({ ...json, keyId: other.keyId }), { mode: 0o600 })
    const err = await storeError(store.load('release'))
    expect(err.reason).toBe('corrupt')
    expect(err.message).toContain(`${info.file} is not a usable FleetD key file: its keyId`)
    await writeFile(join(store.dir, 'junk.key'), 'not json')
    expect((await storeError(store.list())).message).toContain('junk.key is not a usable FleetD key file: not JSON')
  })

  it('defaults to a per-user directory, or a system one as root', () => {
    expect(defaultKeysDir(1000, '/home/ada')).toBe('/home/ada/.fleetd-admin/keys')
    expect(defaultKeysDir(0, '/root')).toBe('/var/lib/fleetd-admin/keys')
  })
})
