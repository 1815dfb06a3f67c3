import { COHORT_BUCKETS } from './cohort.js'
import { DEPLOYMENT_ID_PATTERN } from './constants.js'
import type { Encodable, Plan } from '../../proto/index.js'

/**
 * What is structurally wrong with a plan, or undefined. The signer checks before encoding and
 * every receiver after decoding (STYLE rule 7: paired checks), so a plan that one side accepts
 * the other does too. The target selector is not parsed here: a node that does not know a
 * newer selector form still relays the plan and reports that it cannot apply it.
 */
export function planProblem (plan: Encodable<Plan>): string | undefined {
  if (plan.fleetId === '') return 'plan has no fleet id'
  if (!DEPLOYMENT_ID_PATTERN.test(plan.deploymentId)) {
    return `plan's deployment id '${plan.deploymentId.slice(0, 80)}' must be 1–128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`
  }
  if (!Number.isSafeInteger(plan.seq) || plan.seq < 1) return `plan ${plan.deploymentId} has seq ${plan.seq}; seqs start at 1`
  if (!Number.isSafeInteger(plan.issuedMs) || plan.issuedMs <= 0) return `plan ${plan.deploymentId}#${plan.seq} has no issue time`
  if (!Number.isSafeInteger(plan.expiresMs) || plan.expiresMs <= plan.issuedMs) {
    return `plan ${plan.deploymentId}#${plan.seq} must expire after it was issued (issuedMs ${plan.issuedMs}, expiresMs ${plan.expiresMs})`
  }
  if (plan.app == null || plan.app.name === '') return `plan ${plan.deploymentId}#${plan.seq} has no app`
  if (plan.manifest == null || plan.manifest.name === '' || plan.manifest.version === '') {
    return `plan ${plan.deploymentId}#${plan.seq} has no artifact manifest`
  }
  if (plan.rollbackTo === '') return `plan ${plan.deploymentId}#${plan.seq} has an empty rollbackTo; leave it unset when there is no rollback`
  return cohortProblem(plan)
}

function cohortProblem (plan: Encodable<Plan>): string | undefined {
  const where = `plan ${plan.deploymentId}#${plan.seq}`
  const cohort = plan.cohort
  if (cohort == null || cohort.phaseBasisPoints.length === 0) return `${where} has no cohort phases`
  let previous = 0
  for (const bp of cohort.phaseBasisPoints) {
    if (!Number.isInteger(bp) || bp < 0 || bp > COHORT_BUCKETS) return `${where}: phase basis points must be integers from 0 to ${COHORT_BUCKETS}, got ${bp}`
    if (bp < previous) return `${where}: phase basis points must not decrease (${cohort.phaseBasisPoints.join(', ')})`
    previous = bp
  }
  if (cohort.currentPhase >= cohort.phaseBasisPoints.length) {
    return `${where}: current phase ${cohort.currentPhase} is past its ${cohort.phaseBasisPoints.length} phases`
  }
  if (cohort.target === '') return `${where} has no target selector (use 'all', 'group:NAME', 'k=v,...' or 'ids:A,B')`
  return undefined
}
