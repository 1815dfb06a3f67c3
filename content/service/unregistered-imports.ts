import { UNREGISTERED_IMPORT_GRACE_MS, UNREGISTERED_IMPORTS_MAX } from './constants.js'
import type { Pin } from '../store/index.js'
import type { Clock } from '../../node/ports/index.js'
import type { CID } from 'multiformats/cid'

/** Not a manifest name (those are lowercase), so it never matches a held version. */
const IMPORT_APP = '(unregistered import)'

/**
 * Roots imported but not yet registered: an upload imports, then registers the signed manifest,
 * which pins it. GC keeps these roots for `UNREGISTERED_IMPORT_GRACE_MS` so it cannot collect an
 * upload between its two steps. In memory only: after a restart an unfinished upload is redone.
 */
export class UnregisteredImports {
  private readonly roots = new Map<string, { cid: CID, atMs: number }>()

  constructor (private readonly clock: Pick<Clock, 'nowMs'>) {}

  add (cid: CID): void {
    this.prune()
    this.roots.delete(cid.toString())
    this.roots.set(cid.toString(), { cid, atMs: this.clock.nowMs() })
    // Map order is insertion order: the first key is the oldest import.
    while (this.roots.size > UNREGISTERED_IMPORTS_MAX) this.roots.delete(this.roots.keys().next().value ?? '')
  }

  delete (cid: CID): void {
    this.roots.delete(cid.toString())
  }

  /** The roots still in their grace period, shaped as pins for GC. */
  asPins (): Pin[] {
    this.prune()
    return [...this.roots.values()].map(({ cid, atMs }) => ({ app: IMPORT_APP, version: cid.toString(), cid, reason: 'manual', atMs }))
  }

  private prune (): void {
    const oldest = this.clock.nowMs() - UNREGISTERED_IMPORT_GRACE_MS
    for (const [key, { atMs }] of this.roots) if (atMs < oldest) this.roots.delete(key)
  }
}
