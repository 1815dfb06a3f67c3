/** The on-disk form of one admin signing key: `<name>.key`, JSON, mode 0600. */
import { privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { keyIdOf } from '../../node/fleet/index.js'
import { KEY_ID_PATTERN, KEY_NAME_PATTERN, SYSTEM_KEYS_DIR } from './constants.js'
import type { PrivateKey } from '@libp2p/interface'

const keyFileSchema = z.object({
  name: z.string().regex(KEY_NAME_PATTERN),
  keyId: z.string().regex(KEY_ID_PATTERN),
  createdMs: z.number().int().nonnegative(),
  /** base64 of privateKeyToProtobuf. */
  privateKey: z.string().min(1)
})

export type KeyFile = z.infer<typeof keyFileSchema>

export interface DecodedKeyFile {
  name: string
  keyId: string
  createdMs: number
  privateKey: PrivateKey
}

/** Where admin keys live when no directory is given: system-wide as root, per user otherwise. */
export function defaultKeysDir (uid: number = process.getuid?.() ?? -1, home: string = homedir()): string {
  return uid === 0 ? SYSTEM_KEYS_DIR : join(home, '.fleetd-admin', 'keys')
}

export function isValidKeyName (name: string): boolean {
  return KEY_NAME_PATTERN.test(name)
}

export function encodeKeyFile (name: string, privateKey: PrivateKey, createdMs: number): string {
  const file: KeyFile = {
    name,
    keyId: keyIdOf(privateKey.publicKey.raw),
    createdMs,
    privateKey: Buffer.from(privateKeyToProtobuf(privateKey)).toString('base64')
  }
  return JSON.stringify(file, null, 2) + '\n'
}

/** Parses and cross-checks a key file; returns what is wrong as a string, for the caller to wrap. */
export function decodeKeyFile (text: string): DecodedKeyFile | string {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return 'not JSON'
  }
  const parsed = keyFileSchema.safeParse(json)
  if (!parsed.success) return `field ${parsed.error.issues[0]?.path.join('.') ?? '?'} is missing or malformed`
  let privateKey: PrivateKey
  try {
    privateKey = privateKeyFromProtobuf(Buffer.from(parsed.data.privateKey, 'base64'))
  } catch (err) {
    return `its private key cannot be decoded (${(err as Error).message})`
  }
  if (privateKey.type !== 'Ed25519') return `it holds a ${privateKey.type} key; FleetD signs with Ed25519`
  const keyId = keyIdOf(privateKey.publicKey.raw)
  if (keyId !== parsed.data.keyId) return `its keyId ${parsed.data.keyId} does not match its key (${keyId})`
  return { name: parsed.data.name, keyId, createdMs: parsed.data.createdMs, privateKey }
}
