import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { UNREGISTERED_IMPORT_GRACE_MS, UNREGISTERED_IMPORTS_MAX } from './constants.js'
import { UnregisteredImports } from './unregistered-imports.js'

const cidOf = async (n: number): Promise<CID> => CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(String(n))))

describe('UnregisteredImports', () => {
  it('keeps a root for the grace period, forgets it when registered or expired', async () => {
    let now = 0
    const imports = new UnregisteredImports({ nowMs: () => now })
    const [a, b] = [await cidOf(1), await cidOf(2)]
    imports.add(a)
    now = 10
    imports.add(b)
    expect(imports.asPins().map(p => p.cid.toString())).toEqual([a.toString(), b.toString()])
    imports.delete(b)
    expect(imports.asPins().map(p => p.cid.toString())).toEqual([a.toString()])
    now = UNREGISTERED_IMPORT_GRACE_MS + 1
    expect(imports.asPins()).toEqual([])
  })

  it('holds at most UNREGISTERED_IMPORTS_MAX roots, forgetting the oldest', async () => {
    const imports = new UnregisteredImports({ nowMs: () => 0 })
    for (let i = 0; i <= UNREGISTERED_IMPORTS_MAX; i++) imports.add(await cidOf(i))
    const kept = imports.asPins()
    expect(kept).toHaveLength(UNREGISTERED_IMPORTS_MAX)
    expect(kept[0]?.cid.toString()).toBe((await cidOf(1)).toString())
  })
})
