import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { beforeAll, describe, expect, it } from 'vitest'
import { CoordinatorStore, auditKey } from '../store/index.js'
import { auditLog, canonicalJson, GENESIS_HASH, hashAuditEntry, verifyAuditLog } from './index.js'
import type { AuditEntry } from '../store/index.js'

let entries: AuditEntry[] = []

/** A manual clock: audit time is injected like every other clock. */
function clockAt (startMs: number): { nowMs: () => number } {
  let now = startMs
  return { nowMs: () => now++ }
}

async function openStore (): Promise<{ store: CoordinatorStore, path: string }> {
  const path = join(await mkdtemp(join(tmpdir(), 'fleetd-audit-')), 'fleet.db')
  return { store: await CoordinatorStore.open(path), path }
}

const copy = (list: AuditEntry[]): AuditEntry[] => structuredClone(list)

beforeAll(async () => {
  const { store } = await openStore()
  const log = auditLog()({ store, clock: clockAt(1_700_000_000_000) })
  // Concurrent appends: the log serializes them into one chain.
  await Promise.all(Array.from({ length: 100 }, async (_, i) => await log.append({
    actor: i % 3 === 0 ? 'controller' : 'admin',
    action: i % 2 === 0 ? 'deployment.promote' : 'deployment.rollback',
    deploymentId: `dep-${i % 7}`,
    artifactVersion: `web@1.${i}.0`,
    signatureVerified: i % 5 !== 0,
    scanResult: 'clean',
    ...(i % 2 === 1 ? { rollbackReason: `error_rate ${i}% over 5%` } : {}),
    detail: { phase: i % 4, note: null, tags: ['a', 'b'] }
  })))
  entries = await log.list({ limit: 1000 })
  expect(await log.verify()).toMatchObject({ ok: true, count: 100 })
  await store.close()
})

describe('audit chain', () => {
  it('appends 100 entries in one chain that verifies', async () => {
    expect(entries.map(e => e.index)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(entries[0]?.prevHash).toBe(GENESIS_HASH)
    for (let i = 1; i < entries.length; i++) expect(entries[i]?.prevHash).toBe(entries[i - 1]?.hash)
    const result = await verifyAuditLog(entries)
    expect(result).toEqual({ ok: true, count: 100, headHash: entries[99]?.hash })
  })

  it('names an entry whose field was edited', async () => {
    for (const [field, value] of [['actor', 'mallory'], ['rollbackReason', 'none'], ['signatureVerified', false], ['atMs', 1]] as const) {
      const tampered = copy(entries)
      Object.assign(tampered[41] as object, { [field]: value })
      const result = await verifyAuditLog(tampered)
      expect(result, field).toMatchObject({ ok: false, index: 41, problem: 'hash-mismatch' })
    }
    const nested = copy(entries)
    ;(nested[7]?.detail as { tags: string[] }).tags.push('c')
    expect(await verifyAuditLog(nested)).toMatchObject({ ok: false, index: 7, problem: 'hash-mismatch' })
  })

  it('names the next entry when an edited entry was re-hashed', async () => {
    const tampered = copy(entries)
    const victim = tampered[60] as AuditEntry
    victim.actor = 'mallory'
    victim.hash = hashAuditEntry(victim)
    const result = await verifyAuditLog(tampered)
    expect(result).toMatchObject({ ok: false, index: 61, problem: 'prev-hash-mismatch' })
    if (!result.ok) expect(result.message).toMatch(/entry 60 was replaced/)
  })

  it('names the position of a removed entry', async () => {
    const tampered = copy(entries)
    tampered.splice(30, 1)
    const result = await verifyAuditLog(tampered)
    expect(result).toMatchObject({ ok: false, index: 30, problem: 'index-mismatch' })
    if (!result.ok) expect(result.message).toBe('entry 30 is missing or out of order: entry 31 is in its place')
    expect(await verifyAuditLog(copy(entries).slice(1))).toMatchObject({ ok: false, index: 0, problem: 'index-mismatch' })
  })

  it('names the first of two swapped entries', async () => {
    const tampered = copy(entries)
    ;[tampered[12], tampered[50]] = [tampered[50] as AuditEntry, tampered[12] as AuditEntry]
    expect(await verifyAuditLog(tampered)).toMatchObject({ ok: false, index: 12, problem: 'index-mismatch' })
  })

  it('names a swap even when the forger renumbered and re-hashed the two entries', async () => {
    const tampered = copy(entries)
    const a = { ...(tampered[50] as AuditEntry), index: 12 }
    const b = { ...(tampered[12] as AuditEntry), index: 50 }
    a.hash = hashAuditEntry(a)
    b.hash = hashAuditEntry(b)
    tampered[12] = a
    tampered[50] = b
    expect(await verifyAuditLog(tampered)).toMatchObject({ ok: false, index: 12, problem: 'prev-hash-mismatch' })
  })

  it('names an inserted entry, forged to chain to the one before', async () => {
    const tampered = copy(entries)
    const before = tampered[19] as AuditEntry
    const forged = { ...before, index: 20, prevHash: before.hash, actor: 'mallory', action: 'deployment.promote' }
    forged.hash = hashAuditEntry(forged)
    tampered.splice(20, 0, forged)
    // The forged entry itself is consistent; the original entry 20, now at position 21, is not.
    expect(await verifyAuditLog(tampered)).toMatchObject({ ok: false, index: 21, problem: 'index-mismatch' })
  })

  it('reports a malformed entry and a cut-off end against a recorded head', async () => {
    const tampered = copy(entries) as unknown[]
    tampered[3] = { ...(tampered[3] as object), extra: 1 }
    expect(await verifyAuditLog(tampered)).toMatchObject({ ok: false, index: 3, problem: 'malformed' })
    const head = { index: 99, hash: entries[99]?.hash ?? '' }
    expect(await verifyAuditLog(copy(entries).slice(0, 95))).toMatchObject({ ok: true, count: 95 })
    expect(await verifyAuditLog(copy(entries).slice(0, 95), { expectHead: head })).toMatchObject({ ok: false, index: 95, problem: 'head-mismatch' })
    expect(await verifyAuditLog(copy(entries), { expectHead: head })).toMatchObject({ ok: true })
    expect(await verifyAuditLog(copy(entries), { expectHead: { index: 50, hash: entries[50]?.hash ?? '' } })).toMatchObject({ ok: true })
    expect(await verifyAuditLog(copy(entries), { expectHead: { index: 50, hash: GENESIS_HASH } })).toMatchObject({ ok: false, index: 50, problem: 'head-mismatch' })
  })

  it('hashes canonical JSON: key order and undefined fields do not matter', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: { z: 1, y: 2 } })).toBe('{"a":[true,null,"x"],"b":1,"d":{"y":2,"z":1}}')
    const entry = entries[5] as AuditEntry
    const reordered = Object.fromEntries(Object.entries(entry).reverse()) as AuditEntry
    expect(hashAuditEntry(reordered)).toBe(entry.hash)
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/finite/)
  })
})

describe('audit log in the store', () => {
  it('detects an entry edited in the database files, and refuses out-of-order appends', async () => {
    const { store, path } = await openStore()
    const log = auditLog()({ store, clock: clockAt(1000) })
    for (let i = 0; i < 5; i++) await log.append({ actor: 'admin', action: 'token.create', detail: { i } })
    await expect(store.audit.append({ ...(await log.head()) as AuditEntry })).rejects.toThrow(/append-only: the next index is 5, not 4/)
    await store.close()

    const raw = new Level<string, unknown>(path, { valueEncoding: 'json' })
    const table = raw.sublevel<string, unknown>('audit', { valueEncoding: 'json' })
    const stored = await table.get(auditKey(2)) as AuditEntry
    await table.put(auditKey(2), { ...stored, actor: 'mallory' })
    await raw.close()

    const reopened = await CoordinatorStore.open(path)
    const result = await auditLog()({ store: reopened, clock: clockAt(0) }).verify()
    expect(result).toMatchObject({ ok: false, index: 2, problem: 'hash-mismatch', count: 2 })
    await reopened.close()
  })
})
