/**
 * The TS004 v1.0.0 parity-check code: which uncoded fragments each redundancy fragment XORs.
 * Written from the specification's pseudo-code (section "Fragmentation algorithm"); the
 * encoder and the device decoder (TS here, C in firmware-bridge/lora) must generate the same
 * lines bit for bit, which the reference vectors in the tests pin down.
 */
import { FRAG_INDEX_MAX, FRAG_SIZE_MAX } from './constants.js'
import { LoraFragmentationError } from './errors.js'

/** The spec's 23-bit pseudo-random binary sequence step (taps at bits 0 and 5). */
export function prbs23 (x: number): number {
  const feedback = (x & 1) ^ ((x >> 5) & 1)
  return (x >> 1) | (feedback << 22)
}

/**
 * Line `n` (1-based: the n-th redundancy fragment) of the parity matrix for `m` uncoded
 * fragments: `m/2` draws of a column, so each coded fragment covers about half the block.
 * Repeated draws of the same column simply set it again, as the specification does.
 */
export function matrixLine (n: number, m: number): Uint8Array {
  const line = new Uint8Array(m)
  const isPowerOfTwo = (m & (m - 1)) === 0
  const modulus = m + (isPowerOfTwo ? 1 : 0)
  let x = 1 + 1001 * n
  for (let drawn = 0; drawn < Math.floor(m / 2); drawn++) {
    let column = m
    // The sequence visits every non-zero 23-bit state, so a column < m turns up quickly.
    while (column >= m) {
      x = prbs23(x)
      column = x % modulus
    }
    line[column] = 1
  }
  return line
}

export interface FragmentedBlock {
  /** Uncoded fragments 1..nbFrag, then the redundancy fragments: element i has N = i + 1. */
  fragments: Uint8Array[]
  /** Uncoded fragments (TS004 NbFrag). */
  nbFrag: number
  /** Bytes of zero padding at the end of the last uncoded fragment (TS004 Padding). */
  padding: number
}

/**
 * Splits `data` into `fragSize`-byte fragments (zero-padding the last) and appends
 * `redundancy` parity fragments.
 */
export function fragmentBlock (data: Uint8Array, fragSize: number, redundancy: number): FragmentedBlock {
  if (!Number.isInteger(fragSize) || fragSize < 1 || fragSize > FRAG_SIZE_MAX) {
    throw new LoraFragmentationError(`fragment size ${fragSize} is not 1..${FRAG_SIZE_MAX}: pick one that fits the data rate's payload minus 3 header bytes`)
  }
  const nbFrag = Math.ceil(data.length / fragSize)
  if (nbFrag === 0) throw new LoraFragmentationError('the block is empty: there is nothing to send')
  if (!Number.isInteger(redundancy) || redundancy < 0 || nbFrag + redundancy > FRAG_INDEX_MAX) {
    throw new LoraFragmentationError(`${nbFrag} fragments + ${redundancy} redundancy is over the ${FRAG_INDEX_MAX} TS004 allows: use larger fragments or less redundancy`)
  }
  const padded = new Uint8Array(nbFrag * fragSize)
  padded.set(data)
  const fragments: Uint8Array[] = []
  for (let i = 0; i < nbFrag; i++) fragments.push(padded.slice(i * fragSize, (i + 1) * fragSize))
  for (let n = 1; n <= redundancy; n++) {
    const line = matrixLine(n, nbFrag)
    const coded = new Uint8Array(fragSize)
    for (let col = 0; col < nbFrag; col++) {
      if (line[col] === 1) xorInto(coded, fragments[col]!)
    }
    fragments.push(coded)
  }
  return { fragments, nbFrag, padding: padded.length - data.length }
}

export function xorInto (target: Uint8Array, source: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i] = target[i]! ^ source[i]!
}

/** Redundancy that lets a device recover from `lossRate` with margin for randomness of losses. */
export function redundancyFor (nbFrag: number, lossRate: number, marginFraction = 0.05): number {
  if (lossRate < 0 || lossRate >= 1) throw new LoraFragmentationError(`loss rate ${lossRate} is not in [0, 1)`)
  // Received ≈ (nbFrag + r)(1 - p) must exceed nbFrag plus a few dependent rows and a margin.
  const total = Math.ceil((nbFrag * (1 + marginFraction) + 3) / (1 - lossRate))
  return Math.min(FRAG_INDEX_MAX - nbFrag, total - nbFrag)
}
