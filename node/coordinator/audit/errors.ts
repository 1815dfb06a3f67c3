import type { AuditProblem } from './audit-chain.js'

/** The audit log failed verification: the message names the first bad entry and what is wrong with it. */
export class AuditChainError extends Error {
  static readonly code = 'FLEET_ERR_AUDIT_CHAIN'
  readonly code = AuditChainError.code
  constructor (message: string, readonly index: number, readonly problem: AuditProblem) {
    super(message)
    this.name = 'AuditChainError'
  }
}
