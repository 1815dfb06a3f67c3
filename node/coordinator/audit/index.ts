/**
 * The coordinator's audit log: append-only and hash-chained. Each entry holds the hash of the
 * one before (`prevHash`) and its own `hash` = sha256 of its canonical JSON, so editing,
 * removing, reordering or inserting an entry breaks the chain at a position
 * `verifyAuditLog()` names. Every operator action on a deployment is recorded with the seed's
 * fields: deployment id, artifact version, signature verified, scan result, who, when, and the
 * rollback reason.
 *
 * @example
 * ```ts
 * import { auditLog } from './audit/index.js'
 * import { CoordinatorStore } from '../store/index.js'
 * import { systemClock } from '../../ports/index.js'
 * const store = await CoordinatorStore.open('/tmp/fleet-example.db')
 * const log = auditLog()({ store, clock: systemClock() })
 * await log.append({ actor: 'admin', action: 'deployment.rollback', deploymentId: 'dep-1', rollbackReason: 'error_rate 7% > 5%' })
 * console.log(await log.verify()) // { ok: true, count: 1, headHash: '…' }
 * await store.close()
 * ```
 */
import { DefaultAuditLog } from './audit-log.js'
import type { AuditVerifyOptions, AuditVerifyResult } from './audit-chain.js'
import type { Clock } from '../../ports/index.js'
import type { AuditEntry, CoordinatorStore, JsonValue } from '../store/index.js'

/** What a caller records; index, time, hashes are filled in by the log. */
export interface AuditRecordInput {
  actor: string
  action: string
  deploymentId?: string
  artifactVersion?: string
  signatureVerified?: boolean
  scanResult?: string
  rollbackReason?: string
  /** A few ids and values (at most AUDIT_DETAIL_BYTES_MAX as JSON), never a request body. */
  detail?: Record<string, JsonValue>
}

export interface AuditLog {
  /** Appends one entry after the current head; concurrent appends are serialized. */
  append(input: AuditRecordInput): Promise<AuditEntry>
  list(options?: { fromIndex?: number, limit?: number }): Promise<AuditEntry[]>
  head(): Promise<AuditEntry | undefined>
  /** Verifies the whole stored chain, streaming it. */
  verify(options?: AuditVerifyOptions): Promise<AuditVerifyResult>
}

// STYLE rule 1: every field optional; the log has nothing to tune yet.
export type AuditLogInit = Record<string, never>

export interface AuditLogComponents {
  store: Pick<CoordinatorStore, 'audit' | 'exclusive'>
  clock: Pick<Clock, 'nowMs'>
}

export function auditLog (_init: AuditLogInit = {}): (components: AuditLogComponents) => AuditLog {
  return (components) => new DefaultAuditLog(components)
}

export { GENESIS_HASH, hashAuditEntry, verifyAuditLog } from './audit-chain.js'
export type { AuditProblem, AuditVerifyOptions, AuditVerifyResult } from './audit-chain.js'
export { canonicalJson } from './canonical-json.js'
export { AuditChainError } from './errors.js'
