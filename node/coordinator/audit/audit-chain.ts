import { createHash } from 'node:crypto'
import { auditEntrySchema } from '../store/index.js'
import { canonicalJson } from './canonical-json.js'
import type { AuditEntry } from '../store/index.js'

/** `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64)

/** sha256 (hex) of the canonical JSON of every field of the entry but `hash`, `prevHash` included. */
export function hashAuditEntry (entry: Omit<AuditEntry, 'hash'> & { hash?: string }): string {
  const fields: Record<string, unknown> = { ...entry }
  delete fields.hash
  return createHash('sha256').update(canonicalJson(fields)).digest('hex')
}

export type AuditProblem =
  /** The stored value is not an audit entry (a field is missing, mistyped or extra). */
  | 'malformed'
  /** The entry at this position has another index: entries were removed, inserted or reordered. */
  | 'index-mismatch'
  /** The entry's content does not match its own hash: it was edited. */
  | 'hash-mismatch'
  /** The entry does not chain to the one before: that one was replaced (and re-hashed), or one was inserted or removed. */
  | 'prev-hash-mismatch'
  /** The log ends before, or differs at, the head the caller recorded earlier: entries were cut off the end. */
  | 'head-mismatch'

export type AuditVerifyResult =
  | { ok: true, count: number, headHash: string }
  | { ok: false, count: number, index: number, problem: AuditProblem, message: string }

export interface AuditVerifyOptions {
  /**
   * A head recorded earlier (from a previous verify, kept outside the database). Without one,
   * removing entries from the end cannot be told from a shorter log: the chain alone proves
   * only that what is there was not changed.
   */
  expectHead?: { index: number, hash: string }
}

/**
 * Walks the log in storage order and names the first entry that is wrong. Entries are checked
 * in position order: position i must hold index i, hash its own content, and point at entry
 * i-1's hash (the first one at GENESIS_HASH).
 */
export async function verifyAuditLog (entries: Iterable<unknown> | AsyncIterable<unknown>, options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
  const expected = options.expectHead
  let position = 0
  let prevHash = GENESIS_HASH
  const fail = (problem: AuditProblem, message: string): AuditVerifyResult => ({ ok: false, count: position, index: position, problem, message })
  for await (const raw of entries) {
    const parsed = auditEntrySchema.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      return fail('malformed', `entry ${position} is not a valid audit entry (${issue?.path.map(String).join('.') ?? ''}: ${issue?.message ?? 'invalid'})`)
    }
    const entry = parsed.data
    if (entry.index !== position) {
      return fail('index-mismatch', entry.index > position
        ? `entry ${position} is missing or out of order: entry ${entry.index} is in its place`
        : `entry ${entry.index} appears again at position ${position}: entries were inserted or reordered`)
    }
    if (hashAuditEntry(entry) !== entry.hash) {
      return fail('hash-mismatch', `entry ${position} was changed after it was written: its content does not match its hash`)
    }
    if (entry.prevHash !== prevHash) {
      return fail('prev-hash-mismatch', position === 0
        ? 'entry 0 does not start the chain (its prevHash is not the genesis hash): entries were removed from the start'
        : `entry ${position} does not chain to entry ${position - 1}: entry ${position - 1} was replaced, or an entry was inserted or removed before ${position}`)
    }
    if (expected != null && position === expected.index && entry.hash !== expected.hash) {
      return fail('head-mismatch', `entry ${position} differs from the head recorded before: the log was rewritten from here or earlier`)
    }
    prevHash = entry.hash
    position++
  }
  if (expected != null && position <= expected.index) {
    return fail('head-mismatch', `the log ends ${position === 0 ? 'empty' : `at entry ${position - 1}`}, but entry ${expected.index} was recorded before: entries were removed from the end`)
  }
  return { ok: true, count: position, headHash: prevHash }
}
