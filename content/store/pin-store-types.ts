import type { Pin, PinRef } from './pin.js'
import type { CID } from 'multiformats/cid'

export interface PinStoreInit {
  /** Previous versions of each app kept besides the running one. @default 2 */
  retainPerApp?: number
}

/** A version that now runs: its app, version, DAG root, and when it started. */
export interface RunningVersion {
  app: string
  version: string
  cid: CID
  atMs: number
}

/** Where pins live; `gc` needs only `retained`. */
export interface PinStore {
  readonly retainPerApp: number
  /** Adds or replaces the pin with this app, version and reason. */
  pin(pin: Pin): Promise<void>
  /** @returns whether such a pin existed */
  unpin(ref: PinRef): Promise<boolean>
  /** Records that `version` now runs; the version it replaces becomes `previous`. */
  setRunning(running: RunningVersion): Promise<void>
  /** Every pin, by app, version, reason. */
  list(): Pin[]
  /** The pins whose DAGs GC keeps. */
  retained(): Pin[]
  close(): Promise<void>
}
