import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { generateKey } from '@libp2p/pnet'
import { createHash, randomBytes } from 'node:crypto'
import type { PrivateKey } from '@libp2p/interface'

/** Length of a libp2p pnet v1 key file: header lines plus 64 hex characters. */
export const NETWORK_KEY_LENGTH = 95

/**
 * What only the fleet's administrators hold: the network key every member needs to connect,
 * and the fleet key whose public half every member trusts (plans, key updates).
 */
export interface FleetSecrets {
  fleetId: string
  networkKey: Uint8Array
  fleetKey: PrivateKey
  createdMs: number
}

export interface StoredFleetSecrets {
  fleetId: string
  networkKey: string
  fleetKey: string
  createdMs: number
}

/** `fleet-` and 16 base32 characters: unique without coordination, short enough to read aloud. */
export function newFleetId (): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  return 'fleet-' + [...randomBytes(16)].map(b => alphabet[b % 32]).join('')
}

export async function createFleetSecrets (nowMs: number, fleetId: string = newFleetId()): Promise<FleetSecrets> {
  const networkKey = new Uint8Array(NETWORK_KEY_LENGTH)
  generateKey(networkKey)
  return { fleetId, networkKey, fleetKey: await generateKeyPair('Ed25519'), createdMs: nowMs }
}

/** Short, stable name of a public key: first 8 bytes of its SHA-256, hex. */
export function keyIdOf (publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex').slice(0, 16)
}

export function serializeFleetSecrets (secrets: FleetSecrets): StoredFleetSecrets {
  return {
    fleetId: secrets.fleetId,
    networkKey: Buffer.from(secrets.networkKey).toString('base64'),
    fleetKey: Buffer.from(privateKeyToProtobuf(secrets.fleetKey)).toString('base64'),
    createdMs: secrets.createdMs
  }
}

export function deserializeFleetSecrets (stored: StoredFleetSecrets): FleetSecrets {
  return {
    fleetId: stored.fleetId,
    networkKey: new Uint8Array(Buffer.from(stored.networkKey, 'base64')),
    fleetKey: privateKeyFromProtobuf(Buffer.from(stored.fleetKey, 'base64')),
    createdMs: stored.createdMs
  }
}
