import { generateKeyPair } from '@libp2p/crypto/keys'
import { randomBytes } from 'node:crypto'
import { link, mkdir, open, readdir, unlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { keyIdOf } from '../../node/fleet/index.js'
import { KEY_FILE_BYTES_MAX, KEY_FILE_SUFFIX, KEY_FILES_MAX, KEY_ID_PATTERN } from './constants.js'
import { KeyStoreError } from './errors.js'
import { decodeKeyFile, defaultKeysDir, encodeKeyFile, isValidKeyName } from './key-file.js'
import type { DecodedKeyFile } from './key-file.js'
import type { KeyInfo, KeyStore, KeyStoreComponents, KeyStoreInit, PublicKeyExport } from './index.js'
import type { PrivateKey } from '@libp2p/interface'

/** Permission bits that let anyone but the owner near a private key. */
const GROUP_OTHER_BITS = 0o077

interface LoadedKey extends DecodedKeyFile { file: string, insecure: boolean }

export class DefaultKeyStore implements KeyStore {
  readonly dir: string

  constructor (private readonly components: KeyStoreComponents, init: KeyStoreInit) {
    this.dir = resolve(init.dir ?? defaultKeysDir())
  }

  async generate (name: string): Promise<KeyInfo> {
    if (!isValidKeyName(name)) {
      throw new KeyStoreError(`invalid key name '${name}': use 1–64 lowercase letters, digits, '_' or '-', starting with a letter or digit`, 'invalid-name')
    }
    const names = await this.keyFileNames()
    const file = join(this.dir, name + KEY_FILE_SUFFIX)
    if (names.includes(name + KEY_FILE_SUFFIX)) throw this.exists(name, file)
    if (names.length >= KEY_FILES_MAX) {
      throw new KeyStoreError(`keys directory ${this.dir} already holds ${KEY_FILES_MAX} keys; use another --keys-dir`, 'full')
    }
    const privateKey = await generateKeyPair('Ed25519')
    const createdMs = this.components.clock.nowMs()
    await this.writeNew(file, encodeKeyFile(name, privateKey, createdMs), name)
    return toInfo({ name, keyId: keyIdOf(privateKey.publicKey.raw), createdMs, privateKey, file, insecure: false })
  }

  async list (): Promise<KeyInfo[]> {
    const keys = await this.loadAll()
    return keys.map(toInfo).sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  }

  async info (nameOrKeyId: string): Promise<KeyInfo> {
    return toInfo(await this.find(nameOrKeyId))
  }

  async load (nameOrKeyId: string): Promise<PrivateKey> {
    return (await this.find(nameOrKeyId)).privateKey
  }

  async exportPublic (nameOrKeyId: string): Promise<PublicKeyExport> {
    const { name, keyId, publicKey, insecure } = toInfo(await this.find(nameOrKeyId))
    return { name, keyId, publicKey, insecure }
  }

  /** A name first (it is one file), then a key id (a scan of the directory). */
  private async find (nameOrKeyId: string): Promise<LoadedKey> {
    if (isValidKeyName(nameOrKeyId)) {
      const byName = await this.readKey(join(this.dir, nameOrKeyId + KEY_FILE_SUFFIX), true)
      if (byName != null) return byName
    }
    if (KEY_ID_PATTERN.test(nameOrKeyId)) {
      const byId = (await this.loadAll()).find(k => k.keyId === nameOrKeyId)
      if (byId != null) return byId
    }
    throw new KeyStoreError(`no key named or with key id '${nameOrKeyId}' in ${this.dir}; see fleets keys list, or pass the right --keys-dir`, 'not-found')
  }

  private async loadAll (): Promise<LoadedKey[]> {
    const names = await this.keyFileNames()
    const keys: LoadedKey[] = []
    for (const n of names) {
      const key = await this.readKey(join(this.dir, n), false)
      if (key != null) keys.push(key)
    }
    return keys
  }

  /** Key file names in the directory, bounded; a directory not created yet holds none. */
  private async keyFileNames (): Promise<string[]> {
    let entries: string[]
    try {
      entries = await readdir(this.dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw new KeyStoreError(`cannot read keys directory ${this.dir}: ${(err as Error).message}; fix its permissions or pass another --keys-dir`, 'dir', { cause: err })
    }
    const names = entries.filter(e => e.endsWith(KEY_FILE_SUFFIX) && !e.startsWith('.')).sort()
    if (names.length > KEY_FILES_MAX) {
      throw new KeyStoreError(`keys directory ${this.dir} holds ${names.length} key files, more than ${KEY_FILES_MAX}; is it the right --keys-dir?`, 'full')
    }
    return names
  }

  /** Reads one key file, bounded; undefined when it does not exist and `missingOk`. */
  private async readKey (file: string, missingOk: boolean): Promise<LoadedKey | undefined> {
    let handle
    try {
      handle = await open(file, 'r')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && missingOk) return undefined
      throw new KeyStoreError(`cannot open key file ${file}: ${(err as Error).message}`, 'corrupt', { cause: err })
    }
    try {
      const stats = await handle.stat()
      if (stats.size > KEY_FILE_BYTES_MAX) throw this.corrupt(file, `it has ${stats.size} bytes, more than a key file's ${KEY_FILE_BYTES_MAX}`)
      const buffer = Buffer.alloc(stats.size)
      await handle.read(buffer, 0, stats.size, 0)
      const decoded = decodeKeyFile(buffer.toString('utf8'))
      if (typeof decoded === 'string') throw this.corrupt(file, decoded)
      if (file !== join(this.dir, decoded.name + KEY_FILE_SUFFIX)) throw this.corrupt(file, `it names key '${decoded.name}', not its file name`)
      return { ...decoded, file, insecure: (stats.mode & GROUP_OTHER_BITS) !== 0 }
    } finally {
      await handle.close()
    }
  }

  /**
   * Writes a temporary file (0600, fsynced), then hard-links it to its name: the link fails if
   * the name exists, so a key is never overwritten, even by a concurrent generate, and a crash
   * never leaves a half-written key under a real name.
   */
  private async writeNew (file: string, text: string, name: string): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 })
    } catch (err) {
      throw new KeyStoreError(`cannot create keys directory ${this.dir}: ${(err as Error).message}; pass another --keys-dir`, 'dir', { cause: err })
    }
    const tmp = join(this.dir, `.${name}${KEY_FILE_SUFFIX}.${randomBytes(6).toString('hex')}.tmp`)
    try {
      const handle = await open(tmp, 'wx', 0o600)
      try {
        await handle.writeFile(text, 'utf8')
        await handle.sync()
      } finally {
        await handle.close()
      }
      await link(tmp, file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw this.exists(name, file)
      throw new KeyStoreError(`cannot write key file ${file}: ${(err as Error).message}`, 'dir', { cause: err })
    } finally {
      await unlink(tmp).catch(() => {})
    }
    const dirHandle = await open(this.dir, 'r')
    try {
      await dirHandle.sync()
    } finally {
      await dirHandle.close()
    }
  }

  private exists (name: string, file: string): KeyStoreError {
    return new KeyStoreError(`a key named '${name}' already exists (${file}); keys are never overwritten — choose another name`, 'exists')
  }

  private corrupt (file: string, what: string): KeyStoreError {
    return new KeyStoreError(`${file} is not a usable FleetD key file: ${what}; move it out of the keys directory`, 'corrupt')
  }
}

function toInfo (key: LoadedKey): KeyInfo {
  const raw = key.privateKey.publicKey.raw
  return {
    name: key.name,
    keyId: key.keyId,
    createdMs: key.createdMs,
    publicKey: Buffer.from(raw).toString('base64'),
    file: key.file,
    insecure: key.insecure
  }
}
