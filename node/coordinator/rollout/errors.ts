/**
 * Rollout errors (STYLE rule 6). Callers match on `name` and `code`, never on `message`; every
 * message says what was wrong and what to do.
 */

/** One problem of an invalid deployment spec: where (`deployment.canary.initialPercent`) and what. */
export interface DeploymentSpecIssue {
  path: string
  message: string
}

/** A deployment spec breaks the schema; `issues` lists every problem, the message the first few. */
export class DeploymentSpecError extends Error {
  static readonly code = 'FLEET_ERR_DEPLOYMENT_SPEC'
  readonly code = DeploymentSpecError.code
  readonly status = 400
  readonly issues: DeploymentSpecIssue[]
  constructor (message: string, issues: DeploymentSpecIssue[], options?: ErrorOptions) {
    super(message, options)
    this.name = 'DeploymentSpecError'
    this.issues = issues
  }
}

/**
 * An operator command does not apply to the deployment's status (promote a paused deployment,
 * resume a running one, roll back one that is rolled back). Nothing changed.
 */
export class DeploymentCommandError extends Error {
  static readonly code = 'FLEET_ERR_DEPLOYMENT_COMMAND'
  readonly code = DeploymentCommandError.code
  readonly status = 409
  constructor (message: string, readonly command: string, readonly deploymentStatus: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'DeploymentCommandError'
  }
}
