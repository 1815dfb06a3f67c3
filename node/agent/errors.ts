/** Agent errors; each says what was wrong and what to do. */
export class AgentStateError extends Error {
  static readonly code = 'FLEET_ERR_AGENT_STATE'
  readonly code = AgentStateError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'AgentStateError'
  }
}

export class AppTargetError extends Error {
  static readonly code = 'FLEET_ERR_APP_TARGET'
  readonly code = AppTargetError.code
  readonly status = 400
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'AppTargetError'
  }
}

export class StepFailedError extends Error {
  static readonly code = 'FLEET_ERR_STEP_FAILED'
  readonly code = StepFailedError.code
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StepFailedError'
  }
}
