/**
 * FLD1 binary deltas (format: DELTA.md): COPY runs from the image the device runs, ADD runs of
 * new bytes. The encoder indexes the base by 8-byte blocks and takes the longest match forward
 * from each candidate; it is greedy, not optimal, and fast enough for MCU-sized images.
 */
import { createHash } from 'node:crypto'
import { LoraDeltaError } from './errors.js'

export const DELTA_HEADER_BYTES = 44
const OP_END = 0
const OP_COPY = 1
const OP_ADD = 2
/** Shorter matches cost more as a COPY op than as literal bytes. */
const MATCH_BYTES_MIN = 8
/** Candidates checked per position: bounds the encoder's time on repetitive images. */
const CANDIDATES_MAX = 16
/** Images are MCU firmware; the C applier's target buffer is 256 KiB. */
export const DELTA_IMAGE_BYTES_MAX = 256 * 1024

function varint (value: number, out: number[]): void {
  let v = value >>> 0
  while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v >>>= 7 }
  out.push(v)
}

function blockKey (data: Uint8Array, at: number): number {
  let h = 0
  for (let i = 0; i < MATCH_BYTES_MIN; i++) h = (Math.imul(h, 31) + data[at + i]!) >>> 0
  return h
}

export function encodeDelta (base: Uint8Array, target: Uint8Array): Uint8Array {
  if (base.length > DELTA_IMAGE_BYTES_MAX || target.length > DELTA_IMAGE_BYTES_MAX) {
    throw new LoraDeltaError(`images over ${DELTA_IMAGE_BYTES_MAX} bytes are beyond what the device applier holds: send the full image`)
  }
  const index = new Map<number, number[]>()
  for (let at = 0; at + MATCH_BYTES_MIN <= base.length; at += 1) {
    const key = blockKey(base, at)
    const list = index.get(key)
    if (list === undefined) index.set(key, [at])
    else if (list.length < CANDIDATES_MAX) list.push(at)
  }
  const ops: number[] = []
  let literal: number[] = []
  let cursor = 0
  const flush = (): void => {
    if (literal.length === 0) return
    ops.push(OP_ADD)
    varint(literal.length, ops)
    for (const b of literal) ops.push(b)
    literal = []
  }
  let at = 0
  while (at < target.length) {
    let bestFrom = -1
    let bestLength = 0
    if (at + MATCH_BYTES_MIN <= target.length) {
      for (const from of index.get(blockKey(target, at)) ?? []) {
        let length = 0
        while (from + length < base.length && at + length < target.length && base[from + length] === target[at + length]) length++
        // Prefer the candidate continuing from the last copy: its offset costs one byte.
        if (length > bestLength || (length === bestLength && from === cursor)) { bestFrom = from; bestLength = length }
      }
    }
    if (bestLength >= MATCH_BYTES_MIN) {
      flush()
      const shift = bestFrom - cursor
      ops.push(OP_COPY)
      varint(shift >= 0 ? shift * 2 : -shift * 2 - 1, ops)
      varint(bestLength, ops)
      cursor = bestFrom + bestLength
      at += bestLength
    } else {
      literal.push(target[at]!)
      at++
    }
  }
  flush()
  ops.push(OP_END)
  const out = new Uint8Array(DELTA_HEADER_BYTES + ops.length)
  const view = new DataView(out.buffer)
  out.set(Buffer.from('FLD1', 'latin1'), 0)
  view.setUint32(4, base.length, true)
  out.set(createHash('sha256').update(base).digest(), 8)
  view.setUint32(40, target.length, true)
  out.set(ops, DELTA_HEADER_BYTES)
  return out
}

/** The TS applier (the device has its own in C); used to check a delta before sending it. */
export function applyDelta (base: Uint8Array, delta: Uint8Array): Uint8Array {
  const fail = (what: string): never => { throw new LoraDeltaError(`delta refused: ${what}`) }
  if (delta.length < DELTA_HEADER_BYTES || Buffer.from(delta.subarray(0, 4)).toString('latin1') !== 'FLD1') fail('not an FLD1 delta')
  const view = new DataView(delta.buffer, delta.byteOffset, delta.byteLength)
  if (view.getUint32(4, true) !== base.length || !Buffer.from(delta.subarray(8, 40)).equals(createHash('sha256').update(base).digest())) {
    fail('it was made against another base image; send the full image or a delta from the version the device runs')
  }
  const want = view.getUint32(40, true)
  if (want > DELTA_IMAGE_BYTES_MAX) fail(`target of ${want} bytes is over ${DELTA_IMAGE_BYTES_MAX}`)
  const out = new Uint8Array(want)
  let p = DELTA_HEADER_BYTES
  const readVarint = (): number => {
    let value = 0
    for (let i = 0; i < 5; i++) {
      if (p >= delta.length) fail('truncated')
      const b = delta[p++]!
      value += (b & 0x7f) * 2 ** (7 * i)
      if ((b & 0x80) === 0) return value
    }
    return fail('varint over 5 bytes')
  }
  let written = 0
  let cursor = 0
  for (;;) {
    if (p >= delta.length) fail('truncated before END')
    const op = delta[p++]
    if (op === OP_END) break
    if (op === OP_COPY) {
      const zigzag = readVarint()
      const length = readVarint()
      const from = cursor + (zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2)
      if (length === 0 || from < 0 || from + length > base.length || written + length > want) fail(`COPY ${from}+${length} is out of bounds`)
      out.set(base.subarray(from, from + length), written)
      cursor = from + length
      written += length
    } else if (op === OP_ADD) {
      const length = readVarint()
      if (length === 0 || written + length > want || p + length > delta.length) fail(`ADD of ${length} is out of bounds`)
      out.set(delta.subarray(p, p + length), written)
      p += length
      written += length
    } else {
      fail(`unknown op ${op}`)
    }
  }
  if (written !== want || p !== delta.length) fail(`ops produce ${written} of ${want} bytes`)
  return out
}
