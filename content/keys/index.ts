/**
 * Signing keys and trust. Administrators keep Ed25519 signing keys in a `KeyStore` (one
 * `<name>.key` file per key, mode 0600, in `~/.fleetd-admin/keys`, or
 * `/var/lib/fleetd-admin/keys` as root). Nodes trust the public keys of their join token
 * (`trustStoreFromToken`) and change that set only through key updates signed by a key they
 * already trust (`applyKeyUpdate`).
 *
 * @example
 * ```ts
 * import { applyKeyUpdate, keyStore, signKeyUpdate, trustStoreFromToken } from './index.js'
 * import { FleetStore, parseJoinToken } from '../../node/fleet/index.js'
 * import { systemClock } from '../../node/ports/index.js'
 *
 * const fleet = await FleetStore.open('/tmp/fleetd-example/fleet.db')
 * const { secrets } = await fleet.secrets(Date.now())
 * const { token } = await fleet.createToken(Date.now())
 * await fleet.close()
 *
 * const store = keyStore({ dir: '/tmp/fleetd-example/keys' })({ clock: systemClock() })
 * const release = await store.generate('release')
 * let trust = trustStoreFromToken(parseJoinToken(token))
 * const update = await signKeyUpdate({ action: 'add', keyId: release.keyId, publicKey: release.publicKey, role: 'artifact', issuedMs: Date.now() }, secrets.fleetKey)
 * trust = await applyKeyUpdate(trust, update)
 * console.log(trust.keys.map(k => k.keyId)) // the fleet key and release
 * ```
 */
import { DefaultKeyStore } from './key-store.js'
import type { Clock } from '../../node/ports/index.js'
import type { PrivateKey } from '@libp2p/interface'

export interface KeyStoreInit {
  /** Directory of key files, created with mode 0700 on first generate. @default defaultKeysDir() */
  dir?: string
}

export interface KeyStoreComponents {
  /** Stamps `createdMs` of new keys. */
  clock: Pick<Clock, 'nowMs'>
}

/** What may be shown about a stored key: everything but the private key. */
export interface KeyInfo {
  name: string
  keyId: string
  createdMs: number
  /** base64 of the raw 32-byte Ed25519 public key. */
  publicKey: string
  file: string
  /** The key file is accessible to group or others: warn, and suggest `chmod 600`. */
  insecure: boolean
}

export interface PublicKeyExport {
  name: string
  keyId: string
  /** base64 of the raw 32-byte Ed25519 public key. */
  publicKey: string
  /** As in KeyInfo: not part of what is shared, a warning for the one exporting. */
  insecure: boolean
}

export interface KeyStore {
  readonly dir: string
  /** Creates `<name>.key` (0600) with a new Ed25519 key; refuses invalid and existing names. */
  generate(name: string): Promise<KeyInfo>
  /** Every key, sorted by name. */
  list(): Promise<KeyInfo[]>
  /** A key by name, or else by key id. */
  info(nameOrKeyId: string): Promise<KeyInfo>
  /** The private key, to sign with. */
  load(nameOrKeyId: string): Promise<PrivateKey>
  exportPublic(nameOrKeyId: string): Promise<PublicKeyExport>
}

export function keyStore (init: KeyStoreInit = {}): (components: KeyStoreComponents) => KeyStore {
  return (components) => new DefaultKeyStore(components, init)
}

export { defaultKeysDir, isValidKeyName } from './key-file.js'
export { trustedKeysFromToken, trustStoreFromToken } from './trust-store.js'
export type { TrustedKey, TrustStore } from './trust-store.js'
export { applyKeyUpdate, keyUpdateSigningBytes, parseSignedKeyUpdate, signKeyUpdate } from './key-update.js'
export type { KeyUpdate, SignedKeyUpdate } from './key-update.js'
export { canonicalJson } from './canonical-json.js'
export type { CanonicalJsonValue } from './canonical-json.js'
export {
  KEY_ID_PATTERN, KEY_NAME_PATTERN, KEY_UPDATE_SIGNING_DOMAIN, REVOKED_KEYS_MAX, TRUSTED_KEYS_MAX
} from './constants.js'
export { KeyStoreError, KeyUpdateError } from './errors.js'
export type { KeyStoreErrorReason, KeyUpdateErrorReason } from './errors.js'
