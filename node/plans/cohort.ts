import { createHash } from 'node:crypto'

/** Buckets of the cohort rule: basis points, so a phase can be 0.01% of a fleet. */
export const COHORT_BUCKETS = 10_000

/**
 * The device's bucket for a deployment, in [0, COHORT_BUCKETS): the first 4 bytes of
 * sha256(deploymentId 0x00 deviceId), big-endian, mod COHORT_BUCKETS. A device is in phase k
 * iff bucket < phase_basis_points[k] (DESIGN "Plan"): every node and the coordinator compute
 * the same answer without a plan ever listing device ids, and each deployment shuffles the
 * fleet differently, so the same devices are not always the canaries.
 */
export function cohortBucket (deploymentId: string, deviceId: string): number {
  const digest = createHash('sha256').update(deploymentId).update(Buffer.from([0])).update(deviceId).digest()
  return digest.readUInt32BE(0) % COHORT_BUCKETS
}

/** True when the device is in phase `phase` (cumulative) of a rule's `phaseBasisPoints`. */
export function inCohort (phaseBasisPoints: readonly number[], phase: number, deploymentId: string, deviceId: string): boolean {
  const limit = phaseBasisPoints[Math.min(phase, phaseBasisPoints.length - 1)] ?? 0
  return cohortBucket(deploymentId, deviceId) < limit
}
