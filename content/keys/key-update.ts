/**
 * Signed key updates: how a node's trusted keys change after it joined. An update adds or
 * revokes one key and counts only when signed by a key the node trusts at that moment.
 * Signed bytes: `utf8('fleetd/key-update/v1\n' + canonicalJson(update))`, Ed25519.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { z } from 'zod'
import { keyIdOf } from '../../node/fleet/index.js'
import { canonicalJson } from './canonical-json.js'
import {
  ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, KEY_ID_PATTERN, KEY_UPDATE_SIGNING_DOMAIN, REVOKED_KEYS_MAX, ROLE_PATTERN,
  TRUSTED_KEYS_MAX
} from './constants.js'
import { KeyUpdateError } from './errors.js'
import type { TrustStore } from './trust-store.js'
import type { PrivateKey } from '@libp2p/interface'

const keyId = (): z.ZodString => z.string().regex(KEY_ID_PATTERN, { error: 'expected a key id of 16 lowercase hex characters' })

/** Canonical base64 only, so one key or signature has exactly one spelling. */
const base64Bytes = (length: number, what: string): z.ZodString => z.string().refine(
  s => Buffer.from(s, 'base64').length === length && Buffer.from(s, 'base64').toString('base64') === s,
  { error: `expected base64 of ${length} bytes (${what})` })

const keyUpdateSchema = z.strictObject({
  action: z.enum(['add', 'revoke'], { error: 'expected add or revoke' }),
  keyId: keyId(),
  /** base64 of the raw 32-byte Ed25519 public key; required to add. */
  publicKey: base64Bytes(ED25519_PUBLIC_KEY_BYTES, 'a raw Ed25519 public key').optional(),
  role: z.string().regex(ROLE_PATTERN, { error: 'expected a role like coordinator or artifact (lowercase letters, digits, -)' }),
  issuedMs: z.number().refine(n => Number.isSafeInteger(n) && n >= 0, { error: 'expected a time in Unix milliseconds' })
}).superRefine((u, ctx) => {
  if (u.action === 'add' && u.publicKey == null) ctx.addIssue({ code: 'custom', path: ['publicKey'], message: 'is required to add a key' })
  if (u.publicKey != null && keyIdOf(Buffer.from(u.publicKey, 'base64')) !== u.keyId) {
    ctx.addIssue({ code: 'custom', path: ['keyId'], message: `does not match publicKey (its key id is ${keyIdOf(Buffer.from(u.publicKey, 'base64'))})` })
  }
})

const signedKeyUpdateSchema = z.strictObject({
  update: keyUpdateSchema,
  signerKeyId: keyId(),
  signature: base64Bytes(ED25519_SIGNATURE_BYTES, 'an Ed25519 signature')
})

/** Add or revoke one key. JSON-ready: keys are base64 strings. */
export type KeyUpdate = z.infer<typeof keyUpdateSchema>
/** A key update with the Ed25519 signature (base64) of the trusted key `signerKeyId`. */
export type SignedKeyUpdate = z.infer<typeof signedKeyUpdateSchema>

const DOMAIN_BYTES = Buffer.from(KEY_UPDATE_SIGNING_DOMAIN, 'utf8')

/** The bytes a key update signature covers. */
export function keyUpdateSigningBytes (update: KeyUpdate): Uint8Array {
  const u = parse(keyUpdateSchema, update, 'keyUpdate')
  const text = canonicalJson({ action: u.action, keyId: u.keyId, publicKey: u.publicKey, role: u.role, issuedMs: u.issuedMs })
  return Buffer.concat([DOMAIN_BYTES, Buffer.from(text, 'utf8')])
}

/** Validates untrusted input (gossip, a file) as a signed key update; `KeyUpdateError` 'invalid' names the field. */
export function parseSignedKeyUpdate (input: unknown): SignedKeyUpdate {
  return parse(signedKeyUpdateSchema, input, 'signedKeyUpdate')
}

export async function signKeyUpdate (update: KeyUpdate, privateKey: PrivateKey): Promise<SignedKeyUpdate> {
  if (privateKey.type !== 'Ed25519') throw new KeyUpdateError(`key updates are signed with Ed25519 keys, not ${privateKey.type}`, 'invalid')
  const signature = await privateKey.sign(keyUpdateSigningBytes(update))
  return { update: parse(keyUpdateSchema, update, 'keyUpdate'), signerKeyId: keyIdOf(privateKey.publicKey.raw), signature: Buffer.from(signature).toString('base64') }
}

/**
 * Applies a signed key update to a node's trust, returning the new trust; the same object
 * when nothing changes (adding a key already trusted, revoking one already revoked), so
 * receiving an update twice is harmless. Throws `KeyUpdateError` with a `reason` otherwise.
 */
export async function applyKeyUpdate (trust: TrustStore, signed: SignedKeyUpdate): Promise<TrustStore> {
  const { update, signerKeyId, signature } = parseSignedKeyUpdate(signed)
  const signer = trust.keys.find(k => k.keyId === signerKeyId)
  if (signer == null) {
    throw new KeyUpdateError(`key update (${update.action} ${update.keyId}) is signed by ${signerKeyId}, which this node does not trust; sign it with a key from the fleet's join token or one added since`, 'untrusted-signer')
  }
  if (!await publicKeyFromRaw(signer.publicKey).verify(keyUpdateSigningBytes(update), Buffer.from(signature, 'base64'))) {
    throw new KeyUpdateError(`key update (${update.action} ${update.keyId}) does not match its signature by trusted key ${signerKeyId}: it was altered or forged; ignore it and sign a new one`, 'bad-signature')
  }
  return update.action === 'add' ? addKey(trust, update) : revokeKey(trust, update)
}

function addKey (trust: TrustStore, update: KeyUpdate): TrustStore {
  if (trust.revokedKeyIds.includes(update.keyId)) {
    throw new KeyUpdateError(`key ${update.keyId} was revoked and cannot be trusted again; generate a new key (fleets keys generate) and add that`, 'revoked')
  }
  if (trust.keys.some(k => k.keyId === update.keyId)) return trust
  if (trust.keys.length >= TRUSTED_KEYS_MAX) {
    throw new KeyUpdateError(`this node already trusts ${TRUSTED_KEYS_MAX} keys, the most it may; revoke one before adding ${update.keyId}`, 'too-many-keys')
  }
  const publicKey = new Uint8Array(Buffer.from(update.publicKey ?? '', 'base64'))
  return { keys: [...trust.keys, { keyId: update.keyId, publicKey, role: update.role }], revokedKeyIds: trust.revokedKeyIds }
}

function revokeKey (trust: TrustStore, update: KeyUpdate): TrustStore {
  if (trust.revokedKeyIds.includes(update.keyId)) return trust
  const keys = trust.keys.filter(k => k.keyId !== update.keyId)
  if (keys.length === 0) {
    throw new KeyUpdateError(`revoking ${update.keyId} would leave this node with no trusted key, and no later update could be verified; add its replacement first`, 'last-key')
  }
  if (trust.revokedKeyIds.length >= REVOKED_KEYS_MAX) {
    throw new KeyUpdateError(`this node remembers ${REVOKED_KEYS_MAX} revoked keys, the most it may; rejoin devices with a new fleet token`, 'too-many-revoked')
  }
  // A key not trusted yet is still remembered as revoked: an "add" that arrives later by gossip stays refused.
  return { keys, revokedKeyIds: [...trust.revokedKeyIds, update.keyId] }
}

function parse<T> (schema: z.ZodType<T>, input: unknown, root: string): T {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const first = result.error.issues[0]
  const path = [root, ...(first?.path ?? []).map(String)].join('.')
  throw new KeyUpdateError(`invalid key update: ${path}: ${first?.message ?? 'invalid'}`, 'invalid')
}
