/** Plan and report errors; each says what was wrong and what to do (STYLE rule 6). */

/** Why a node refused a plan (verifyPlan). */
export type PlanRejectionReason = 'malformed' | 'unknown-key' | 'signature' | 'fleet' | 'stale' | 'expired'

/** A plan this node refused to trust; reported with this code in the device's report. */
export class PlanRejectedError extends Error {
  static readonly code = 'FLEET_ERR_PLAN_REJECTED'
  readonly code = PlanRejectedError.code
  constructor (message: string, readonly reason: PlanRejectionReason, options?: ErrorOptions) {
    super(message, options)
    this.name = 'PlanRejectedError'
  }
}

/** A trusted plan this device cannot carry out: a bad target, an app spec the agent refuses, a rollback to an unknown version. */
export class PlanInvalidError extends Error {
  static readonly code = 'FLEET_ERR_PLAN_INVALID'
  readonly code = PlanInvalidError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'PlanInvalidError'
  }
}

/** signPlan refused: the plan breaks a rule receivers check, or the key cannot sign plans. */
export class PlanSigningError extends Error {
  static readonly code = 'FLEET_ERR_PLAN_SIGNING'
  readonly code = PlanSigningError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'PlanSigningError'
  }
}

/** The plan store file cannot be read or written. */
export class PlanStoreError extends Error {
  static readonly code = 'FLEET_ERR_PLAN_STORE'
  readonly code = PlanStoreError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'PlanStoreError'
  }
}

/** The report outbox database cannot be opened, read or written. */
export class ReportOutboxError extends Error {
  static readonly code = 'FLEET_ERR_REPORT_OUTBOX'
  readonly code = ReportOutboxError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ReportOutboxError'
  }
}
