import { describe, expect, it } from 'vitest'
import { FleetMembershipError } from './errors.js'
import { isMembershipRefusal } from './refusal.js'

describe('isMembershipRefusal', () => {
  it('takes refusals the peer meant as refusals', () => {
    expect(isMembershipRefusal(new FleetMembershipError('key differs', 'network-key-mismatch'))).toBe(true)
    expect(isMembershipRefusal(new FleetMembershipError('not a fleet-node', 'handshake-failed'))).toBe(true)
    expect(isMembershipRefusal(new Error('dial failed', { cause: new FleetMembershipError('key differs', 'network-key-mismatch') }))).toBe(true)
  })

  it('retries handshakes that only timed out or were cut', () => {
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })
    expect(isMembershipRefusal(new FleetMembershipError('membership handshake failed: timeout', 'handshake-failed', { cause: timeout }))).toBe(false)
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    expect(isMembershipRefusal(new FleetMembershipError('membership handshake failed', 'handshake-failed', { cause: reset }))).toBe(false)
    expect(isMembershipRefusal(new Error('connection refused'))).toBe(false)
  })
})
