/**
 * The device side of TS004: rebuilds a block from whatever fragments arrive, uncoded or
 * parity, by incremental Gaussian elimination over GF(2). Memory grows only with the number of
 * fragments still missing (one pivot row per unknown), which is what a device can afford.
 * The C reference in firmware-bridge/lora/frag_decoder.c follows the same steps.
 */
import { FRAG_INDEX_MAX, FRAG_MATRIX_BYTES_MAX, FRAG_SIZE_MAX } from './constants.js'
import { LoraFragmentationError, LoraFragmentsMissingError } from './errors.js'
import { matrixLine, xorInto } from './frag-matrix.js'

export interface FragDecoderStatus {
  /** Fragments taken (duplicates not counted). */
  received: number
  /** Unknowns still undetermined: how many more independent fragments are needed. */
  missing: number
  complete: boolean
}

interface Pivot { bits: Uint8Array, data: Uint8Array }

export class FragDecoder {
  private readonly rows: Array<Uint8Array | undefined>
  private readonly pivots: Array<Pivot | undefined>
  private knownCount = 0
  private pivotCount = 0
  private received = 0
  private readonly seen = new Set<number>()

  constructor (readonly nbFrag: number, readonly fragSize: number, readonly padding = 0) {
    if (!Number.isInteger(nbFrag) || nbFrag < 1 || nbFrag > FRAG_INDEX_MAX) throw new LoraFragmentationError(`NbFrag ${nbFrag} is not 1..${FRAG_INDEX_MAX}`)
    if (!Number.isInteger(fragSize) || fragSize < 1 || fragSize > FRAG_SIZE_MAX) throw new LoraFragmentationError(`FragSize ${fragSize} is not 1..${FRAG_SIZE_MAX}`)
    if (padding < 0 || padding >= fragSize) throw new LoraFragmentationError(`padding ${padding} is not below FragSize ${fragSize}`)
    if (Math.ceil(nbFrag / 8) * nbFrag > FRAG_MATRIX_BYTES_MAX) {
      throw new LoraFragmentationError(`NbFrag ${nbFrag} needs a ${Math.ceil(nbFrag / 8) * nbFrag}-byte matrix, over the ${FRAG_MATRIX_BYTES_MAX} a device holds: send larger fragments`)
    }
    this.rows = new Array<Uint8Array | undefined>(nbFrag)
    this.pivots = new Array<Pivot | undefined>(nbFrag)
  }

  /** Takes fragment `n` (1-based TS004 N; above NbFrag it is a parity fragment). */
  push (n: number, payload: Uint8Array): FragDecoderStatus {
    if (!Number.isInteger(n) || n < 1 || n > FRAG_INDEX_MAX) throw new LoraFragmentationError(`fragment N ${n} is not 1..${FRAG_INDEX_MAX}`)
    if (payload.length !== this.fragSize) throw new LoraFragmentationError(`fragment ${n} has ${payload.length} bytes, the session's FragSize is ${this.fragSize}`)
    if (this.seen.has(n) || this.isComplete()) return this.status()
    this.seen.add(n)
    this.received++
    if (n <= this.nbFrag) this.learn(n - 1, payload.slice())
    else this.reduce(matrixLine(n - this.nbFrag, this.nbFrag), payload.slice())
    if (this.knownCount + this.pivotCount === this.nbFrag) this.backSubstitute()
    return this.status()
  }

  status (): FragDecoderStatus {
    return { received: this.received, missing: this.nbFrag - this.knownCount - this.pivotCount, complete: this.isComplete() }
  }

  isComplete (): boolean { return this.knownCount === this.nbFrag }

  /** The rebuilt block without padding; throws when too many fragments were lost. */
  block (): Uint8Array {
    if (!this.isComplete()) {
      const missing = this.status().missing
      throw new LoraFragmentsMissingError(`block incomplete: ${missing} of ${this.nbFrag} fragments cannot be rebuilt from what arrived; send more redundancy fragments`, missing)
    }
    const out = new Uint8Array(this.nbFrag * this.fragSize - this.padding)
    for (let i = 0; i < this.nbFrag; i++) {
      const row = this.rows[i]!
      out.set(row.subarray(0, Math.min(this.fragSize, out.length - i * this.fragSize)), i * this.fragSize)
    }
    return out
  }

  private learn (column: number, data: Uint8Array): void {
    if (this.rows[column] !== undefined) return
    this.rows[column] = data
    this.knownCount++
    // A pivot on this column now says something about the other columns: re-insert it.
    const pivot = this.pivots[column]
    if (pivot !== undefined) {
      this.pivots[column] = undefined
      this.pivotCount--
      clearBit(pivot.bits, column)
      xorInto(pivot.data, data)
      this.reduce(pivot.bits, pivot.data, true)
    }
  }

  /** Eliminates known columns and existing pivots from an equation; keeps it if it is new. */
  private reduce (line: Uint8Array, data: Uint8Array, packed = false): void {
    const bits = packed ? line : pack(line)
    for (;;) {
      const column = lowestBit(bits)
      if (column < 0) return // dependent on what we hold: no new information
      const known = this.rows[column]
      if (known !== undefined) {
        clearBit(bits, column)
        xorInto(data, known)
        continue
      }
      const pivot = this.pivots[column]
      if (pivot === undefined) {
        this.pivots[column] = { bits, data }
        this.pivotCount++
        return
      }
      xorInto(bits, pivot.bits)
      xorInto(data, pivot.data)
    }
  }

  /** Every unknown has a pivot: solve from the highest column down. */
  private backSubstitute (): void {
    for (let column = this.nbFrag - 1; column >= 0; column--) {
      const pivot = this.pivots[column]
      if (pivot === undefined) continue
      clearBit(pivot.bits, column)
      for (let j = lowestBit(pivot.bits); j >= 0; j = lowestBit(pivot.bits)) {
        clearBit(pivot.bits, j)
        xorInto(pivot.data, this.rows[j]!)
      }
      this.pivots[column] = undefined
      this.pivotCount--
      this.rows[column] = pivot.data
      this.knownCount++
    }
  }
}

function pack (line: Uint8Array): Uint8Array {
  const bits = new Uint8Array(Math.ceil(line.length / 8))
  for (let i = 0; i < line.length; i++) if (line[i] === 1) bits[i >> 3] = bits[i >> 3]! | (1 << (i & 7))
  return bits
}

function clearBit (bits: Uint8Array, i: number): void { bits[i >> 3] = bits[i >> 3]! & ~(1 << (i & 7)) }

function lowestBit (bits: Uint8Array): number {
  for (let byte = 0; byte < bits.length; byte++) {
    const v = bits[byte]!
    if (v !== 0) return byte * 8 + (31 - Math.clz32(v & -v))
  }
  return -1
}
