/**
 * Fleet-wide invariants (issue [5/9], STYLE rule 14): safety checked at every event during
 * faults, liveness after the network heals.
 *
 * @example
 * ```ts
 * import type { Violation } from './index.js'
 * const v: Violation = { atMs: 0, kind: 'safety', invariant: 'allowed-version', message: 'example' }
 * console.log(`${v.kind}/${v.invariant}: ${v.message}`)
 * ```
 */
export { SafetyChecker, VIOLATIONS_KEPT_MAX } from './safety.js'
export { checkLiveness } from './liveness.js'
export type { Expectation, LivenessReport } from './liveness.js'
export type { Violation } from './violation.js'
