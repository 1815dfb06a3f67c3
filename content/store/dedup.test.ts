/**
 * What content-defined chunking buys: a new version of an artifact shares most blocks with the
 * old one, so peers holding the old version fetch only the difference. With fixed-size chunks
 * that holds for in-place edits but not for an insertion, which shifts every later boundary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chunksOf, SeededBytes } from '../../test/support/seeded-bytes.js'
import { removeDir, tempStorageDir } from '../../test/support/store-fixtures.js'
import { importArtifact, openBlockstore } from './index.js'
import type { ImportOptions } from './index.js'

const MiB = 1024 * 1024
const BASE_BYTES = 32 * MiB
const REGIONS = 4
/** Byte offsets of the changed regions: spread over the file, not chunk-aligned. */
const REGION_STARTS = [0.07, 0.31, 0.58, 0.83].map(f => Math.floor(f * BASE_BYTES) + 777)
const INSERT_AT = Math.floor(BASE_BYTES / 3) + 12_345
const INSERT_BYTES = 10_000

function variants (): { base: Uint8Array, edited: Uint8Array, inserted: Uint8Array } {
  const rng = new SeededBytes(42)
  const base = rng.bytes(BASE_BYTES)
  // 10% of the file rewritten, in four contiguous regions.
  const edited = Uint8Array.from(base)
  const regionBytes = Math.floor(BASE_BYTES * 0.1 / REGIONS)
  for (const start of REGION_STARTS) edited.set(rng.bytes(regionBytes), start)
  const inserted = new Uint8Array(BASE_BYTES + INSERT_BYTES)
  inserted.set(base.subarray(0, INSERT_AT))
  inserted.set(rng.bytes(INSERT_BYTES), INSERT_AT)
  inserted.set(base.subarray(INSERT_AT), INSERT_AT + INSERT_BYTES)
  return { base, edited, inserted }
}

describe('dedup between versions', () => {
  let dir: string
  let files: ReturnType<typeof variants>
  let stores = 0
  const ratios: Record<string, number> = {}

  beforeAll(async () => {
    dir = await tempStorageDir('dedup')
    files = variants()
  })
  afterAll(async () => {
    console.log('new bytes of the second version / its size:', ratios)
    await removeDir(dir)
  })

  /** Imports `base` then `next` into a fresh store; the share of `next` that was new. */
  async function newShare (next: Uint8Array, chunking: ImportOptions['chunking']): Promise<number> {
    const blockstore = await openBlockstore(`${dir}/store-${stores++}`)
    const first = await importArtifact({ blockstore }, chunksOf(files.base), { chunking })
    expect(first.newBytes).toBeGreaterThanOrEqual(BASE_BYTES)
    const second = await importArtifact({ blockstore }, chunksOf(next), { chunking })
    expect(second.size).toBe(next.byteLength)
    return second.newBytes / second.size
  }

  it('content-defined chunking stores little more than the 10% that changed in place', async () => {
    ratios['rabin, 10% edited'] = await newShare(files.edited, 'content-defined')
    expect(ratios['rabin, 10% edited']).toBeGreaterThanOrEqual(0.1)
    expect(ratios['rabin, 10% edited']).toBeLessThan(0.25)
  })

  it('content-defined chunking resynchronises after an insertion that shifts the rest', async () => {
    ratios['rabin, insertion'] = await newShare(files.inserted, 'content-defined')
    expect(ratios['rabin, insertion']).toBeLessThan(0.25)
  })

  it('fixed-size chunking copes with in-place edits but not with the insertion (why rabin)', async () => {
    ratios['fixed, 10% edited'] = await newShare(files.edited, 'fixed-size')
    expect(ratios['fixed, 10% edited']).toBeLessThan(0.25)
    ratios['fixed, insertion'] = await newShare(files.inserted, 'fixed-size')
    // Everything after the insertion point (two thirds of the file) is new.
    expect(ratios['fixed, insertion']).toBeGreaterThan(0.6)
  })
})
