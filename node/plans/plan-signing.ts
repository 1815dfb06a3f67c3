/**
 * Plan signatures (DESIGN "Plan"): Ed25519 by a coordinator key over
 * `utf8(PLAN_SIGNING_DOMAIN) || SignedPlan.plan`, the encoded Plan exactly as it travels.
 * A verifier checks the signature over the bytes it received and only then decodes them; it
 * never re-encodes a decoded Plan, so a field it does not know cannot slip past the signature.
 */
import { strict as assert } from 'node:assert'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { decodePlan, decodeSignedPlan, encodePlan, WIRE_VERSION } from '../../proto/index.js'
import { keyIdOf } from '../fleet/index.js'
import { PLAN_SIGNER_ROLE, PLAN_SIGNING_DOMAIN } from './constants.js'
import { PlanSigningError } from './errors.js'
import { planProblem } from './plan-check.js'
import { parseTarget } from './target-selector.js'
import type { PlanRejectionReason } from './errors.js'
import type { TrustedKey } from '../../content/keys/index.js'
import type { Encodable, Plan, SignedPlan } from '../../proto/index.js'
import type { PrivateKey } from '@libp2p/interface'

const DOMAIN_BYTES = new TextEncoder().encode(PLAN_SIGNING_DOMAIN)
const ED25519_SIGNATURE_BYTES = 64

export interface VerifyPlanOptions {
  /** Keys this node trusts now; only those with role PLAN_SIGNER_ROLE sign plans. */
  trustedKeys: readonly TrustedKey[]
  /** This node's fleet. */
  fleetId: string
  /** Highest seq held or applied for a deployment; a plan must be above it. */
  lastSeq(deploymentId: string): number | undefined
  nowMs: number
}

export type PlanVerification =
  | { ok: true, plan: Plan, signed: SignedPlan }
  | {
    ok: false
    reason: PlanRejectionReason
    /** What was wrong and what to do. */
    message: string
    /** Known once the signature checked out (reasons fleet, stale, expired, and malformed plans). */
    deploymentId?: string
    seq?: number
  }

/** The bytes a plan signature covers. */
export function planSigningBytes (planBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(DOMAIN_BYTES.length + planBytes.length)
  out.set(DOMAIN_BYTES, 0)
  out.set(planBytes, DOMAIN_BYTES.length)
  return out
}

/**
 * Encodes and signs a plan. Refuses (PlanSigningError) what every receiver would refuse: a
 * structurally wrong plan, a target selector nobody can parse, a key that is not Ed25519.
 */
export async function signPlan (plan: Encodable<Plan>, key: PrivateKey): Promise<SignedPlan> {
  if (key.type !== 'Ed25519') throw new PlanSigningError(`plans are signed with Ed25519 keys, not ${key.type}; use the fleet's coordinator key`)
  const problem = planProblem(plan)
  if (problem !== undefined) throw new PlanSigningError(`cannot sign: ${problem}`)
  try {
    parseTarget(plan.cohort?.target ?? '')
  } catch (err) {
    throw new PlanSigningError(`cannot sign plan ${plan.deploymentId}#${plan.seq}: ${(err as Error).message}`, { cause: err })
  }
  const bytes = encodePlan(plan)
  const signature = new Uint8Array(await key.sign(planSigningBytes(bytes)))
  // Paired check (STYLE rule 7): never hand out a signature nobody can verify.
  assert(await key.publicKey.verify(planSigningBytes(bytes), signature), 'plan signature does not verify with the signer\'s own public key')
  return { version: WIRE_VERSION, plan: bytes, keyId: keyIdOf(key.publicKey.raw), signature }
}

/**
 * Verifies a received SignedPlan (bytes as received, or decoded) for this node. Never throws
 * for bad input: every refusal is a result with a reason and a message naming what was wrong.
 */
export async function verifyPlan (signed: SignedPlan | Uint8Array, options: VerifyPlanOptions): Promise<PlanVerification> {
  let envelope: SignedPlan
  try {
    envelope = signed instanceof Uint8Array ? decodeSignedPlan(signed) : signed
  } catch (err) {
    return refuse('malformed', `a plan could not be decoded (${(err as Error).message}); it was ignored — a faulty or newer peer sent it`)
  }
  if (envelope.version !== WIRE_VERSION) {
    return refuse('malformed', `a plan has envelope version ${envelope.version}, this node understands ${WIRE_VERSION}; upgrade fleet-node to follow this coordinator`)
  }
  const key = options.trustedKeys.find(k => k.keyId === envelope.keyId)
  if (key == null) {
    const known = options.trustedKeys.filter(k => k.role === PLAN_SIGNER_ROLE).map(k => k.keyId)
    return refuse('unknown-key', `a plan is signed by key ${envelope.keyId.slice(0, 40)}, which this node does not trust (trusted coordinator keys: ${known.join(', ') || 'none'}); add the key with a signed key update or re-join with a current token`)
  }
  if (key.role !== PLAN_SIGNER_ROLE) {
    return refuse('unknown-key', `a plan is signed by key ${key.keyId}, which this node trusts for '${key.role ?? 'no role'}', not for plans; sign plans with a '${PLAN_SIGNER_ROLE}' key`)
  }
  if (envelope.signature.length !== ED25519_SIGNATURE_BYTES || !await verifies(key, envelope)) {
    return refuse('signature', `a plan's signature by trusted key ${key.keyId} does not match its bytes: it was altered on the way or forged, and was ignored; nothing to do on this device — look for the peer that relayed it`)
  }
  let plan: Plan
  try {
    plan = decodePlan(envelope.plan)
  } catch (err) {
    return refuse('malformed', `a signed plan could not be decoded (${(err as Error).message}); upgrade fleet-node, or report the coordinator that signed it`)
  }
  const at = { deploymentId: plan.deploymentId, seq: plan.seq }
  const problem = planProblem(plan)
  if (problem !== undefined) return refuse('malformed', `${problem}; report the coordinator that signed it`, at)
  const name = `plan ${plan.deploymentId}#${plan.seq}`
  if (plan.fleetId !== options.fleetId) {
    return refuse('fleet', `${name} is for fleet ${plan.fleetId}, this node is in fleet ${options.fleetId}; a key trusted here signs for another fleet — check the fleet's trusted keys`, at)
  }
  const last = options.lastSeq(plan.deploymentId)
  if (last !== undefined && plan.seq <= last) {
    return refuse('stale', `${name} is not newer than seq ${last} this node already has; it was ignored as a replay or a late copy — the coordinator issues a higher seq for every change`, at)
  }
  if (plan.expiresMs <= options.nowMs) {
    return refuse('expired', `${name} expired at ${iso(plan.expiresMs)} (now ${iso(options.nowMs)}); the coordinator must issue a fresh plan — if this device's clock is wrong, fix it (NTP)`, at)
  }
  return { ok: true, plan, signed: envelope }
}

async function verifies (key: TrustedKey, envelope: SignedPlan): Promise<boolean> {
  try {
    return await publicKeyFromRaw(key.publicKey).verify(planSigningBytes(envelope.plan), envelope.signature)
  } catch {
    return false
  }
}

function refuse (reason: PlanRejectionReason, message: string, at: { deploymentId?: string, seq?: number } = {}): PlanVerification {
  return { ok: false, reason, message, ...at }
}

function iso (ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms)
}
