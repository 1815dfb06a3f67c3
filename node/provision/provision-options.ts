import { z } from 'zod'
import {
  WIFI_PASS_CHARS_MAX, WIFI_PASS_CHARS_MIN, WIFI_SSID_BYTES_MAX
} from './constants.js'
import { ProvisionOptionError } from './errors.js'

/** A WPA2 passphrase (8-63 printable ASCII) or the raw PSK (64 hex digits). */
export function isValidWifiPass (pass: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(pass)) return true
  return pass.length >= WIFI_PASS_CHARS_MIN && pass.length <= WIFI_PASS_CHARS_MAX && /^[\x20-\x7e]+$/.test(pass)
}

const hostname = z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/,
  'a hostname is 1-63 letters, digits and hyphens, not starting or ending with a hyphen')

const wifi = z.strictObject({
  ssid: z.string().min(1).refine(s => Buffer.byteLength(s) <= WIFI_SSID_BYTES_MAX, `an SSID has at most ${WIFI_SSID_BYTES_MAX} bytes`),
  pass: z.string().refine(isValidWifiPass, `a Wi-Fi password has ${WIFI_PASS_CHARS_MIN}-${WIFI_PASS_CHARS_MAX} printable ASCII characters, or is exactly 64 hex digits`),
  /** ISO 3166 alpha-2: the regulatory domain decides which channels the radio may use. */
  country: z.string().regex(/^[A-Z]{2}$/, 'a Wi-Fi country is two capital letters (GB, US, DE...)').default('GB')
})

const sshKey = z.string().regex(/^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/=]+( [^\n]*)?$/,
  'an SSH public key line looks like "ssh-ed25519 AAAA... comment"')

const k3s = z.discriminatedUnion('role', [
  z.strictObject({ name: z.literal('k3s'), role: z.literal('server'), token: z.string().regex(/^[A-Za-z0-9._-]{16,128}$/, 'k3s.token is 16-128 letters, digits, . _ -') }),
  z.strictObject({
    name: z.literal('k3s'),
    role: z.literal('agent'),
    token: z.string().regex(/^[A-Za-z0-9._:-]{16,256}$/, 'k3s.token is the server\'s token (16-256 characters); copy it from the credentials file of the server\'s provisioning'),
    server: z.url({ protocol: /^https$/, error: 'k3s.server is the server URL, e.g. https://10.0.0.2:6443' })
  })
])
const docker = z.strictObject({ name: z.literal('docker') })
export const pluginSchema = z.union([k3s, docker])
export type Plugin = z.infer<typeof pluginSchema>

/** Everything that decides what lands on a card, validated before a byte is written. */
export const provisionOptionsSchema = z.strictObject({
  os: z.enum(['dietpi', 'raspios', 'custom']).default('dietpi'),
  wifi: wifi.optional(),
  hostname: hostname.optional(),
  sshKeys: z.array(sshKey).default([]),
  /** The fleet's join token (validated with the fleet's own parser by the caller). */
  token: z.string().min(1),
  bootstrap: z.array(z.string().startsWith('/')).default([]),
  labels: z.record(z.string(), z.string()).default({}),
  plugins: z.array(pluginSchema).default([]),
  /** What `npm install -g` installs on the device. */
  agentPackage: z.string().min(1),
  /** Node.js version the device installs (the official linux tarball). */
  nodeVersion: z.string().regex(/^\d+\.\d+\.\d+$/)
})
export type ProvisionOptions = z.infer<typeof provisionOptionsSchema>
export type ProvisionOptionsInput = z.input<typeof provisionOptionsSchema>

export function validateProvisionOptions (input: ProvisionOptionsInput): ProvisionOptions {
  const parsed = provisionOptionsSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ProvisionOptionError(`${issue?.path.join('.') ?? 'options'}: ${issue?.message ?? 'invalid'}`)
  }
  const kinds = parsed.data.plugins.map(p => p.name)
  if (new Set(kinds).size !== kinds.length) throw new ProvisionOptionError('each -plugin may be given once')
  return parsed.data
}

/** Reads an authorized_keys-style text: key lines kept, blank lines and comments dropped. */
export function parseSshKeys (text: string, source: string): string[] {
  const keys = text.split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('#'))
  if (keys.length === 0) throw new ProvisionOptionError(`${source} holds no SSH public key; give the .pub file (e.g. ~/.ssh/id_ed25519.pub)`)
  for (const key of keys) {
    if (key.includes('PRIVATE KEY')) throw new ProvisionOptionError(`${source} is a private key; give the public one (the .pub file)`)
    if (!sshKey.safeParse(key).success) throw new ProvisionOptionError(`${source}: '${key.slice(0, 40)}…' is not an SSH public key line`)
  }
  return keys
}
