import { ok as assert } from 'node:assert'
import { AUDIT_DETAIL_BYTES_MAX, auditEntrySchema } from '../store/index.js'
import { GENESIS_HASH, hashAuditEntry, verifyAuditLog } from './audit-chain.js'
import { canonicalJson } from './canonical-json.js'
import type { AuditLog, AuditLogComponents, AuditRecordInput } from './index.js'
import type { AuditVerifyOptions, AuditVerifyResult } from './audit-chain.js'
import type { AuditEntry } from '../store/index.js'

export class DefaultAuditLog implements AuditLog {
  constructor (private readonly c: AuditLogComponents) {}

  async append (input: AuditRecordInput): Promise<AuditEntry> {
    const detail = input.detail ?? {}
    assert(Buffer.byteLength(canonicalJson(detail)) <= AUDIT_DETAIL_BYTES_MAX, `audit detail is over ${AUDIT_DETAIL_BYTES_MAX} bytes: record ids, not bodies`)
    return await this.c.store.exclusive(async () => {
      const head = await this.c.store.audit.head()
      const fields: Omit<AuditEntry, 'hash'> = {
        index: head == null ? 0 : head.index + 1,
        prevHash: head?.hash ?? GENESIS_HASH,
        atMs: this.c.clock.nowMs(),
        actor: input.actor,
        action: input.action,
        ...(input.deploymentId != null ? { deploymentId: input.deploymentId } : {}),
        ...(input.artifactVersion != null ? { artifactVersion: input.artifactVersion } : {}),
        ...(input.signatureVerified != null ? { signatureVerified: input.signatureVerified } : {}),
        ...(input.scanResult != null ? { scanResult: input.scanResult } : {}),
        ...(input.rollbackReason != null ? { rollbackReason: input.rollbackReason } : {}),
        detail
      }
      // Validate before hashing, so what is hashed is exactly what is stored and read back.
      const entry = auditEntrySchema.parse({ ...fields, hash: GENESIS_HASH })
      entry.hash = hashAuditEntry(entry)
      await this.c.store.audit.append(entry)
      return entry
    })
  }

  async list (options: { fromIndex?: number, limit?: number } = {}): Promise<AuditEntry[]> {
    return await this.c.store.audit.range(options.fromIndex ?? 0, options.limit ?? 100)
  }

  async head (): Promise<AuditEntry | undefined> {
    return await this.c.store.audit.head()
  }

  async verify (options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
    return await verifyAuditLog(this.c.store.audit.raw(), options)
  }
}
