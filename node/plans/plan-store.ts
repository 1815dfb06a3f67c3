import { createHash } from 'node:crypto'
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { decodeSignedPlan, encodeSignedPlan } from '../../proto/index.js'
import { APPLIED_RECORDS_MAX, PLAN_STORE_BYTES_MAX, PLAN_STORE_DEPLOYMENTS_MAX } from './constants.js'
import { PlanStoreError } from './errors.js'
import type { Plan, SignedPlan } from '../../proto/index.js'

/** The latest verified plan of a deployment, as this node holds and relays it. */
export interface HeldPlan {
  deploymentId: string
  seq: number
  issuedMs: number
  expiresMs: number
  /** The encoded SignedPlan: what peers receive; its `plan` bytes are the ones that were verified. */
  bytes: Uint8Array
  /** sha256 (hex) of the signed plan bytes: a copy of a held plan is a duplicate, not news. */
  digest: string
}

/** What this device did with a deployment's plan of seq `seq`. */
export interface AppliedRecord {
  seq: number
  outcome: 'applied' | 'skipped' | 'failed'
  /** The app and version this deployment last gave the agent (kept by later seqs that skip or fail). */
  app?: string
  version?: string
  /** Of the spec and manifest given to the agent: a later seq that changes neither is not given again. */
  fingerprint?: string
  atMs: number
}

export interface PlanStoreInit {
  /** @default PLAN_STORE_DEPLOYMENTS_MAX */
  deploymentsMax?: number
  /** @default PLAN_STORE_BYTES_MAX */
  bytesMax?: number
  /** @default APPLIED_RECORDS_MAX */
  appliedMax?: number
}

interface StoreFile {
  format: 1
  plans: Array<{ deploymentId: string, seq: number, issuedMs: number, expiresMs: number, signedPlan: string }>
  applied: Record<string, AppliedRecord>
}

/** Where a node keeps its plans, under its storage dir. */
export function planStorePath (storageDir: string): string {
  return join(storageDir, 'plans', 'plans.json')
}

export function planDigest (planBytes: Uint8Array): string {
  return createHash('sha256').update(planBytes).digest('hex')
}

/**
 * The latest verified SignedPlan per deployment and the last seq this device applied, in one
 * JSON file replaced atomically (temp file, fsync, rename) on every change: after a crash it
 * holds the state before or after a change, never a torn mix. Memory changes at once, so
 * concurrent receivers see each other's plans; writes are queued behind each other.
 * Bounded: past `deploymentsMax` plans or `bytesMax` bytes, the plans that expire first go.
 */
export class PlanStore {
  private readonly plans = new Map<string, HeldPlan>()
  private readonly digests = new Map<string, string>()
  private readonly appliedRecords = new Map<string, AppliedRecord>()
  private bytes = 0
  private writing: Promise<void> = Promise.resolve()

  private constructor (readonly path: string, private readonly init: Required<PlanStoreInit>) {}

  static async open (storageDir: string, init: PlanStoreInit = {}): Promise<PlanStore> {
    const store = new PlanStore(planStorePath(storageDir), {
      deploymentsMax: init.deploymentsMax ?? PLAN_STORE_DEPLOYMENTS_MAX,
      bytesMax: init.bytesMax ?? PLAN_STORE_BYTES_MAX,
      appliedMax: init.appliedMax ?? APPLIED_RECORDS_MAX
    })
    await store.load()
    return store
  }

  get (deploymentId: string): HeldPlan | undefined {
    return this.plans.get(deploymentId)
  }

  /** Held plans, sorted by deployment id (deterministic order for answers and tests). */
  list (): HeldPlan[] {
    return [...this.plans.values()].sort((a, b) => a.deploymentId < b.deploymentId ? -1 : a.deploymentId > b.deploymentId ? 1 : 0)
  }

  /** True when a plan with these signed bytes is held. */
  holds (digest: string): boolean {
    return this.digests.has(digest)
  }

  /** Highest seq held or applied for a deployment: a plan must be above it to be news. */
  lastSeq (deploymentId: string): number | undefined {
    const held = this.plans.get(deploymentId)?.seq
    const applied = this.appliedRecords.get(deploymentId)?.seq
    if (held === undefined) return applied
    return applied === undefined ? held : Math.max(held, applied)
  }

  /** (deploymentId, lastSeq) of every deployment held or applied, sorted by id: what anti-entropy sends. */
  summary (): Array<{ deploymentId: string, seq: number }> {
    const ids = [...new Set([...this.plans.keys(), ...this.appliedRecords.keys()])].sort()
    return ids.map(deploymentId => ({ deploymentId, seq: this.lastSeq(deploymentId) ?? 0 }))
  }

  /**
   * Keeps a verified plan if it is newer than the one held. Memory changes at once (so the
   * answer is final and other receivers see the plan); `written` resolves once it is on disk.
   */
  put (signed: SignedPlan, plan: Plan): { stored: boolean, written: Promise<void> } {
    const held = this.plans.get(plan.deploymentId)
    if (held != null && held.seq >= plan.seq) return { stored: false, written: Promise.resolve() }
    const bytes = encodeSignedPlan(signed)
    this.remove(plan.deploymentId)
    this.add({ deploymentId: plan.deploymentId, seq: plan.seq, issuedMs: plan.issuedMs, expiresMs: plan.expiresMs, bytes, digest: planDigest(signed.plan) })
    this.evict(plan.deploymentId)
    return { stored: true, written: this.save() }
  }

  applied (deploymentId: string): AppliedRecord | undefined {
    return this.appliedRecords.get(deploymentId)
  }

  /** The deployment whose plan last gave `app` to the agent, to attribute the agent's events. */
  deploymentOfApp (app: string): { deploymentId: string, record: AppliedRecord } | undefined {
    let found: { deploymentId: string, record: AppliedRecord } | undefined
    for (const [deploymentId, record] of this.appliedRecords) {
      if (record.app === app && (found == null || record.atMs >= found.record.atMs)) found = { deploymentId, record }
    }
    return found
  }

  async setApplied (deploymentId: string, record: AppliedRecord): Promise<void> {
    this.appliedRecords.delete(deploymentId)
    this.appliedRecords.set(deploymentId, { ...record })
    while (this.appliedRecords.size > this.init.appliedMax) {
      const oldest = [...this.appliedRecords].reduce((a, b) => b[1].atMs < a[1].atMs ? b : a)
      this.appliedRecords.delete(oldest[0])
    }
    await this.save()
  }

  /** Resolves when every change made so far is on disk. */
  async flushed (): Promise<void> {
    await this.writing
  }

  private add (held: HeldPlan): void {
    this.plans.set(held.deploymentId, held)
    this.digests.set(held.digest, held.deploymentId)
    this.bytes += held.bytes.length
  }

  private remove (deploymentId: string): void {
    const held = this.plans.get(deploymentId)
    if (held == null) return
    this.plans.delete(deploymentId)
    this.digests.delete(held.digest)
    this.bytes -= held.bytes.length
  }

  /** Drops the plans that expire first (never `keep`, the one just stored) until within bounds. */
  private evict (keep: string): void {
    while (this.plans.size > this.init.deploymentsMax || this.bytes > this.init.bytesMax) {
      let victim: HeldPlan | undefined
      for (const held of this.plans.values()) {
        if (held.deploymentId !== keep && (victim == null || held.expiresMs < victim.expiresMs)) victim = held
      }
      if (victim == null) return
      this.remove(victim.deploymentId)
    }
  }

  private async save (): Promise<void> {
    const next = this.writing.then(async () => { await this.write() })
    // A failed write must not block later ones: the next one writes the whole state again.
    this.writing = next.catch(() => {})
    await next
  }

  private async write (): Promise<void> {
    const file: StoreFile = {
      format: 1,
      plans: this.list().map(h => ({ deploymentId: h.deploymentId, seq: h.seq, issuedMs: h.issuedMs, expiresMs: h.expiresMs, signedPlan: Buffer.from(h.bytes).toString('base64') })),
      applied: Object.fromEntries(this.appliedRecords)
    }
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 })
      const temp = `${this.path}.tmp`
      const handle = await open(temp, 'w', 0o600)
      try {
        await handle.writeFile(JSON.stringify(file))
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temp, this.path)
    } catch (err) {
      throw new PlanStoreError(`cannot write the plan store ${this.path}: ${(err as Error).message}; free disk space or fix permissions of the storage dir`, { cause: err })
    }
  }

  private async load (): Promise<void> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw new PlanStoreError(`cannot read the plan store ${this.path}: ${(err as Error).message}; fix permissions of the storage dir`, { cause: err })
    }
    try {
      const file = JSON.parse(text) as StoreFile
      if (file.format !== 1 || !Array.isArray(file.plans) || typeof file.applied !== 'object') throw new Error('not a plan store of format 1')
      for (const p of file.plans) {
        const bytes = new Uint8Array(Buffer.from(p.signedPlan, 'base64'))
        this.add({ deploymentId: p.deploymentId, seq: p.seq, issuedMs: p.issuedMs, expiresMs: p.expiresMs, bytes, digest: planDigest(decodeSignedPlan(bytes).plan) })
      }
      for (const [id, record] of Object.entries(file.applied)) this.appliedRecords.set(id, record)
    } catch (err) {
      throw new PlanStoreError(`the plan store ${this.path} is not valid (${(err as Error).message}); move it aside and restart: the node then fetches current plans from its peers`, { cause: err })
    }
  }
}
