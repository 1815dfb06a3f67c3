import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { hashPassword, newDeviceIdentity } from './device-identity.js'
import { isValidWifiPass, parseSshKeys, validateProvisionOptions } from './provision-options.js'
import { wpaPsk } from './raspios.js'
import { shq } from './shell-quote.js'

const run = promisify(execFile)
const base = { token: 'fleetd1_x', agentPackage: 'fleetd@0.1.0', nodeVersion: '24.0.0' }

describe('provisioning options', () => {
  it('Wi-Fi passwords: 8-63 printable ASCII, or exactly 64 hex digits', () => {
    expect(isValidWifiPass('1234567')).toBe(false)
    expect(isValidWifiPass('12345678')).toBe(true)
    expect(isValidWifiPass('x'.repeat(63))).toBe(true)
    expect(isValidWifiPass('x'.repeat(64))).toBe(false)
    expect(isValidWifiPass('ab'.repeat(32))).toBe(true)
    expect(isValidWifiPass('pass\nword')).toBe(false)
    expect(() => validateProvisionOptions({ ...base, wifi: { ssid: 'lab', pass: 'short' } })).toThrow(/wifi\.pass: a Wi-Fi password has 8-63/)
    expect(() => validateProvisionOptions({ ...base, wifi: { ssid: 'x'.repeat(33), pass: '12345678' } })).toThrow(/at most 32 bytes/)
  })

  it('hostnames, plugins and SSH keys are checked before anything is written', () => {
    expect(() => validateProvisionOptions({ ...base, hostname: '-bad' })).toThrow(/hostname/)
    expect(() => validateProvisionOptions({ ...base, plugins: [{ name: 'docker' }, { name: 'docker' }] })).toThrow(/once/)
    expect(() => validateProvisionOptions({ ...base, plugins: [{ name: 'k3s', role: 'agent', token: 'x'.repeat(20), server: 'http://10.0.0.2:6443' }] })).toThrow(/k3s.server/)
    expect(parseSshKeys('# mine\nssh-ed25519 AAAAC3Nz me@lab\n\n', 'k.pub')).toEqual(['ssh-ed25519 AAAAC3Nz me@lab'])
    expect(() => parseSshKeys('-----BEGIN OPENSSH PRIVATE KEY-----\n', 'id')).toThrow(/private key/)
    expect(() => parseSshKeys('', 'k.pub')).toThrow(/no SSH public key/)
  })

  it('the password is fleetd-<first 8 of the device id>; the hash is SHA-512 crypt, checked by OpenSSL', async () => {
    const id = newDeviceIdentity(n => Uint8Array.from({ length: n }, (_, i) => i * 17), 'pi')
    expect(id.deviceId).toMatch(/^[0-9a-f]{32}$/)
    expect(id.password).toBe(`fleetd-${id.deviceId.slice(0, 8)}`)
    const salt = id.passwordHash.split('$')[2]!
    expect((await run('openssl', ['passwd', '-6', '-salt', salt, id.password])).stdout.trim()).toBe(id.passwordHash)
    expect(hashPassword('a', n => new Uint8Array(n))).toMatch(/^\$6\$\.{16}\$/)
  })

  it('shell quoting survives bash, and the WPA PSK matches the 802.11 test vector', async () => {
    for (const v of ["it's", '$(reboot)', '`x` "y" \\ \'\'', ' spaced ']) {
      expect((await run('bash', ['-c', `printf %s ${shq(v)}`])).stdout).toBe(v)
    }
    // IEEE 802.11i-2004 annex H.4 test vector.
    expect(wpaPsk('IEEE', 'password')).toBe('f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e')
    expect(wpaPsk('x', 'AB'.repeat(32))).toBe('ab'.repeat(32))
  })
})
