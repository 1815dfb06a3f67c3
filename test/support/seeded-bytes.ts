import { setImmediate as turn } from 'node:timers/promises'

/**
 * Reproducible pseudo-random bytes for tests and benchmarks (never `Math.random`): xorshift128
 * seeded through splitmix32, filling 32-bit words (little-endian on every machine FleetD runs on).
 * The same seed gives the same bytes, so CIDs and dedup ratios are stable across runs.
 */
export class SeededBytes {
  private x: number
  private y: number
  private z: number
  private w: number

  constructor (seed: number) {
    let s = seed >>> 0
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0
      let t = s
      t = Math.imul(t ^ (t >>> 16), 0x85ebca6b)
      t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35)
      return (t ^ (t >>> 16)) >>> 0
    }
    this.x = next() | 1
    this.y = next()
    this.z = next()
    this.w = next()
  }

  /** Fills `bytes` entirely. */
  fill (bytes: Uint8Array): Uint8Array {
    const words = Math.ceil(bytes.byteLength / 4)
    const scratch = bytes.byteOffset % 4 === 0 && bytes.byteLength % 4 === 0 ? bytes : new Uint8Array(words * 4)
    const u32 = new Uint32Array(scratch.buffer, scratch.byteOffset, words)
    let { x, y, z, w } = this
    for (let i = 0; i < words; i++) {
      const t = x ^ (x << 11)
      x = y; y = z; z = w
      w = (w ^ (w >>> 19) ^ t ^ (t >>> 8)) >>> 0
      u32[i] = w
    }
    this.x = x; this.y = y; this.z = z; this.w = w
    if (scratch !== bytes) bytes.set(scratch.subarray(0, bytes.byteLength))
    return bytes
  }

  bytes (length: number): Uint8Array {
    return this.fill(new Uint8Array(length))
  }
}

/** `length` reproducible bytes. */
export function seededBytes (seed: number, length: number): Uint8Array {
  return new SeededBytes(seed).bytes(length)
}

/** `totalBytes` reproducible bytes as a stream of `chunkBytes` buffers, generated as read (bounded memory). */
export async function * seededStream (seed: number, totalBytes: number, chunkBytes = 1024 * 1024): AsyncGenerator<Uint8Array> {
  const rng = new SeededBytes(seed)
  for (let done = 0; done < totalBytes; done += chunkBytes) {
    yield rng.bytes(Math.min(chunkBytes, totalBytes - done))
    await turn()
  }
}

/** Yields `bytes` in `chunkBytes` views, letting the event loop turn between them as a file or a socket would. */
export async function * chunksOf (bytes: Uint8Array, chunkBytes = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += chunkBytes) {
    yield bytes.subarray(offset, offset + chunkBytes)
    await turn()
  }
}
