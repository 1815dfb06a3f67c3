/** Errors of telemetry and alerting; codes are stable (README error table). */

/** A range query or alert rule named something that cannot be answered. */
export class TelemetryQueryError extends Error {
  static readonly code = 'FLEET_ERR_TELEMETRY_QUERY'
  readonly code = TelemetryQueryError.code
  constructor (message: string) {
    super(message)
    this.name = 'TelemetryQueryError'
  }
}

/** An alert rule that does not parse, e.g. `--alert-on 'error_rate>>1'`. */
export class AlertRuleError extends Error {
  static readonly code = 'FLEET_ERR_ALERT_RULE'
  readonly code = AlertRuleError.code
  constructor (message: string) {
    super(message)
    this.name = 'AlertRuleError'
  }
}
