import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { installXSalsa20Guard } from './xsalsa20-guard.js'

interface X { update(input: Uint8Array): Uint8Array }
const XSalsa20 = createRequire(import.meta.url)('xsalsa20') as (nonce: Uint8Array, key: Uint8Array) => X

describe('xsalsa20 guard (pnet cipher)', () => {
  it('survives bulk traffic on many connections after one grew the shared memory', () => {
    installXSalsa20Guard()
    const nonce = new Uint8Array(24).fill(7)
    const key = new Uint8Array(32).fill(9)
    const a = XSalsa20(nonce, key)
    const b = XSalsa20(nonce, key)
    // Unpatched (checked by hand): a's large update grows the memory and detaches b's view; b's
    // next update grows it again and detaches a's, and so on: every alternate 1 MiB update grows
    // the memory by 1 MiB until the 4 GiB cap throws, as two busy connections of a seed do.
    a.update(new Uint8Array(10))
    b.update(new Uint8Array(10))
    a.update(new Uint8Array(2 * 1024 * 1024))
    const chunk = new Uint8Array(1024 * 1024)
    expect(() => { for (let i = 0; i < 2200; i++) { b.update(chunk); a.update(chunk) } }).not.toThrow()
  }, 120_000)

  it('keeps the keystream identical however the input is sliced', () => {
    installXSalsa20Guard()
    const nonce = new Uint8Array(24).fill(1)
    const key = new Uint8Array(32).fill(2)
    const data = new Uint8Array(200_000).map((_, i) => i % 251)
    const whole = XSalsa20(nonce, key).update(data)
    const pieces = XSalsa20(nonce, key)
    const parts = [pieces.update(data.subarray(0, 100)), pieces.update(data.subarray(100, 150_003)), pieces.update(data.subarray(150_003))]
    expect(Buffer.concat(parts).equals(Buffer.from(whole))).toBe(true)
  })
})
