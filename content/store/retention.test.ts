import { CID } from 'multiformats/cid'
import { code as RAW_CODE } from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { retainedPins } from './index.js'
import type { Pin, PinReason } from './index.js'

const cidOf = async (text: string): Promise<CID> => CID.createV1(RAW_CODE, await sha256.digest(new TextEncoder().encode(text)))
const pin = async (app: string, version: string, reason: PinReason, atMs: number): Promise<Pin> =>
  ({ app, version, reason, atMs, cid: await cidOf(`${app}@${version}`) })
const names = (pins: Pin[]): string[] => pins.map(p => `${p.app}@${p.version}:${p.reason}`)

describe('retainedPins', () => {
  it('keeps the running version and the N most recent previous versions of each app', async () => {
    const pins = [
      await pin('a', '5', 'running', 50),
      ...await Promise.all(['1', '2', '3', '4'].map(async (v, i) => await pin('a', v, 'previous', 10 * (i + 1)))),
      await pin('b', '2', 'running', 20),
      await pin('b', '1', 'previous', 20)
    ]
    expect(names(retainedPins(pins, 2))).toEqual(['a@3:previous', 'a@4:previous', 'a@5:running', 'b@1:previous', 'b@2:running'])
    expect(names(retainedPins(pins, 0))).toEqual(['a@5:running', 'b@2:running'])
  })

  it('always keeps plan and manual pins, and does not count a previous pin of the running version', async () => {
    const pins = [
      await pin('a', '3', 'running', 30),
      await pin('a', '3', 'previous', 29), // a rollback to 3: it is running, not "previous"
      await pin('a', '2', 'previous', 20),
      await pin('a', '1', 'previous', 10),
      await pin('a', '0', 'manual', 1),
      await pin('a', '4', 'plan', 31)
    ]
    expect(names(retainedPins(pins, 1))).toEqual(['a@0:manual', 'a@2:previous', 'a@3:running', 'a@4:plan'])
  })
})
