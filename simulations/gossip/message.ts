/**
 * A gossiped plan. The real SignedPlan carries an Ed25519 signature; signing and verifying
 * 10,000× per plan would dominate the run, so the signature is a validity bit plus a CPU delay
 * at the receiver (GossipParams.verifyCpuMs). The plan itself is the real wire shape
 * (Encodable<Plan>) built by the coordinator's real plan builder.
 */
import type { Encodable, Plan } from '../../proto/index.js'

export interface PlanMessage {
  /** Unique per publish (gossipsub's message id). */
  id: number
  plan: Encodable<Plan>
  /** False for forged plans: a device must never apply one. */
  signatureValid: boolean
  bytes: number
  publishedMs: number
  /** Node that published it. */
  origin: number
}

export type PlanSource = 'gossip' | 'sync' | 'local'
