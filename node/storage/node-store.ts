import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { Level } from 'level'
import { join } from 'node:path'
import { StorageDirError, StorageLockedError } from './errors.js'
import type { PrivateKey } from '@libp2p/interface'

const KEY_PRIVATE_KEY = 'identity/private-key'
const KEY_JOIN_TOKEN = 'fleet/join-token'

/**
 * The node's durable state in its storage dir: identity, fleet membership and small records.
 * One level database per process; a second process on the same dir is refused with a clear error.
 */
export class NodeStore {
  private constructor (private readonly db: Level<string, Uint8Array>, readonly dir: string) {}

  static async open (dir: string): Promise<NodeStore> {
    const db = new Level<string, Uint8Array>(join(dir, 'state'), { valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause
      if ((err as { code?: string }).code === 'LEVEL_LOCKED' || cause?.code === 'LEVEL_LOCKED') {
        throw new StorageLockedError(`storage dir ${dir} is in use by another FleetD process; stop it or pass another --storage-dir`, { cause: err })
      }
      throw new StorageDirError(`cannot open the state database in ${dir}: ${(err as Error).message}`, { cause: err })
    }
    return new NodeStore(db, dir)
  }

  /** The libp2p identity; created once, so a restarted node keeps its peer ID. */
  async privateKey (): Promise<PrivateKey> {
    const stored = await this.get(KEY_PRIVATE_KEY)
    if (stored != null) return privateKeyFromProtobuf(stored)
    const key = await generateKeyPair('Ed25519')
    await this.db.put(KEY_PRIVATE_KEY, privateKeyToProtobuf(key))
    return key
  }

  async joinToken (): Promise<string | undefined> {
    const bytes = await this.get(KEY_JOIN_TOKEN)
    return bytes == null ? undefined : new TextDecoder().decode(bytes)
  }

  async setJoinToken (token: string): Promise<void> {
    await this.db.put(KEY_JOIN_TOKEN, new TextEncoder().encode(token))
  }

  async getJson<T> (key: string): Promise<T | undefined> {
    const bytes = await this.get(`json/${key}`)
    return bytes == null ? undefined : JSON.parse(new TextDecoder().decode(bytes)) as T
  }

  async putJson (key: string, value: unknown): Promise<void> {
    await this.db.put(`json/${key}`, new TextEncoder().encode(JSON.stringify(value)))
  }

  async close (): Promise<void> {
    await this.db.close()
  }

  private async get (key: string): Promise<Uint8Array | undefined> {
    return await this.db.get(key)
  }
}
