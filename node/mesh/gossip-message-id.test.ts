import { describe, expect, it } from 'vitest'
import { fastMessageId } from './gossip-message-id.js'

describe('fastMessageId', () => {
  const from = new Uint8Array([0, 36, 8, 1, 18, 32, 7, 7])
  const seqno = new Uint8Array([0, 0, 1, 157, 2, 3, 4, 5])

  it('is the origin and sequence number, whatever the payload or signature of the copy', () => {
    const a = fastMessageId({ from, seqno, topic: 't', data: new Uint8Array([1]), signature: new Uint8Array([9]) })
    const b = fastMessageId({ from, seqno, topic: 't', data: new Uint8Array([2]), signature: new Uint8Array([8]) })
    expect(a).toBe(b)
    expect(a).not.toBe('')
  })

  it('tells apart messages of one origin and the same sequence number from two origins', () => {
    const next = new Uint8Array(seqno); next[7] = 6
    const other = new Uint8Array(from); other[7] = 8
    const ids = new Set([fastMessageId({ from, seqno, topic: 't' }), fastMessageId({ from, seqno: next, topic: 't' }), fastMessageId({ from: other, seqno, topic: 't' })])
    expect(ids.size).toBe(3)
  })

  it('gives an unsigned message no id to be found under (it fails validation and is never cached)', () => {
    expect(fastMessageId({ topic: 't', data: new Uint8Array([1]) })).toBe('')
  })
})
