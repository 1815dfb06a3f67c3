/** Which of an artifact's leaves a peer holds; bit i is LSB-first in byte i >> 3. */
export class Bitfield {
  private readonly bits: Uint8Array<ArrayBuffer>
  private ones = 0

  constructor (readonly size: number, bytes?: Uint8Array) {
    this.bits = new Uint8Array(Math.ceil(size / 8))
    if (bytes != null) {
      this.bits.set(bytes.subarray(0, this.bits.length))
      // Bits past `size` in the last byte are ignored, not trusted.
      for (let i = 0; i < size; i++) if (this.has(i)) this.ones++
      if (size % 8 !== 0 && this.bits.length > 0) {
        const last = this.bits.length - 1
        this.bits[last] = (this.bits[last] ?? 0) & ((1 << (size % 8)) - 1)
      }
    }
  }

  static full (size: number): Bitfield {
    const b = new Bitfield(size)
    for (let i = 0; i < size; i++) b.set(i)
    return b
  }

  has (i: number): boolean {
    return i >= 0 && i < this.size && ((this.bits[i >> 3] ?? 0) & (1 << (i & 7))) !== 0
  }

  /** Returns true when the bit was newly set. */
  set (i: number): boolean {
    if (i < 0 || i >= this.size || this.has(i)) return false
    this.bits[i >> 3] = (this.bits[i >> 3] ?? 0) | (1 << (i & 7))
    this.ones++
    return true
  }

  /** Returns true when the bit was set. */
  clear (i: number): boolean {
    if (!this.has(i)) return false
    this.bits[i >> 3] = (this.bits[i >> 3] ?? 0) & ~(1 << (i & 7))
    this.ones--
    return true
  }

  get count (): number {
    return this.ones
  }

  get complete (): boolean {
    return this.ones === this.size
  }

  toBytes (): Uint8Array<ArrayBuffer> {
    return this.bits.slice()
  }
}
