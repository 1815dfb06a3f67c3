import { Level } from 'level'
import { resolve } from 'node:path'
import { createFleetSecrets, deserializeFleetSecrets, keyIdOf, serializeFleetSecrets } from './fleet-secrets.js'
import { formatJoinToken } from './join-token.js'
import type { TrustedKey } from './join-token.js'
import type { FleetSecrets, StoredFleetSecrets } from './fleet-secrets.js'

const KEY_SECRETS = 'fleet/secrets'

/**
 * The administrator's side of fleet membership, kept in the coordinator's embedded store
 * (`--db`): created on first use, so every token of one database admits to one fleet.
 */
export class FleetStore {
  private constructor (private readonly db: Level<string, StoredFleetSecrets>, readonly path: string, private readonly ownsDb = true) {}

  /**
   * A FleetStore on a database another component already opened (the coordinator store holds
   * the one handle LevelDB allows); `close()` then leaves the database open for its owner.
   */
  static attach (db: Level<string, unknown>, path: string): FleetStore {
    return new FleetStore(db as Level<string, StoredFleetSecrets>, resolve(path), false)
  }

  static async open (path: string): Promise<FleetStore> {
    const db = new Level<string, StoredFleetSecrets>(resolve(path), { valueEncoding: 'json' })
    try {
      await db.open()
    } catch (err) {
      throw new Error(`cannot open the fleet database ${resolve(path)}: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}; is a fleets server using it? pass another --db or stop it`, { cause: err })
    }
    return new FleetStore(db, resolve(path))
  }

  /** The fleet's secrets, created the first time with `fleetId` when given. */
  async secrets (nowMs: number, fleetId?: string): Promise<{ secrets: FleetSecrets, created: boolean }> {
    const stored = await this.db.get(KEY_SECRETS)
    if (stored != null) {
      if (fleetId != null && fleetId !== stored.fleetId) {
        throw new Error(`database ${this.path} already holds fleet ${stored.fleetId}; omit --fleet-id or use another --db for a new fleet`)
      }
      return { secrets: deserializeFleetSecrets(stored), created: false }
    }
    const secrets = await createFleetSecrets(nowMs, fleetId)
    await this.db.put(KEY_SECRETS, serializeFleetSecrets(secrets))
    return { secrets, created: true }
  }

  async createToken (nowMs: number, options: { fleetId?: string, bootstrap?: string[], extraTrustedKeys?: TrustedKey[] } = {}): Promise<{ token: string, fleetId: string, keyId: string, created: boolean }> {
    const { secrets, created } = await this.secrets(nowMs, options.fleetId)
    const publicKey = secrets.fleetKey.publicKey.raw
    const keyId = keyIdOf(publicKey)
    const token = formatJoinToken({
      fleetId: secrets.fleetId,
      networkKey: secrets.networkKey,
      trustedKeys: [{ keyId, publicKey, role: 'coordinator' }, ...(options.extraTrustedKeys ?? [])],
      createdMs: nowMs,
      bootstrap: options.bootstrap ?? []
    })
    return { token, fleetId: secrets.fleetId, keyId, created }
  }

  async close (): Promise<void> {
    if (this.ownsDb) await this.db.close()
  }
}
