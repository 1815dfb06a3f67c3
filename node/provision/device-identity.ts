import { encrypt } from 'unixcrypt'
import { DEVICE_ID_BYTES, PASSWORD_ID_CHARS } from './constants.js'

/** Random bytes, injected so tests and the simulator can pin them. */
export type RandomBytes = (n: number) => Uint8Array

const SALT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const SALT_CHARS = 16

/** What one provisioned card gets: its id, its login password and the hash that goes on the card. */
export interface DeviceIdentity {
  /** 32 hex characters; also the `provision-id` label, so the fleet can tell which card became which node. */
  deviceId: string
  hostname: string
  /** `fleetd-<first 8 chars of deviceId>`: shown once, kept in the operator's credentials file only. */
  password: string
  /** SHA-512 crypt (`$6$`) of the password: the only form that reaches the card. */
  passwordHash: string
}

export function newDeviceIdentity (random: RandomBytes, hostname?: string, hostnameSuffix = false): DeviceIdentity {
  const deviceId = Buffer.from(random(DEVICE_ID_BYTES)).toString('hex')
  const prefix = deviceId.slice(0, PASSWORD_ID_CHARS)
  const password = `fleetd-${prefix}`
  const name = hostname == null ? `fleet-${prefix}` : hostnameSuffix ? `${hostname.slice(0, 54)}-${prefix}` : hostname
  return { deviceId, hostname: name, password, passwordHash: hashPassword(password, random) }
}

export function hashPassword (password: string, random: RandomBytes): string {
  const salt = Array.from(random(SALT_CHARS), b => SALT_ALPHABET[b % SALT_ALPHABET.length]).join('')
  return encrypt(password, `$6$${salt}`)
}

/** A shared secret for plugins (the k3s cluster token), URL- and shell-safe. */
export function newSecret (random: RandomBytes, bytes = 24): string {
  return Buffer.from(random(bytes)).toString('base64url')
}
