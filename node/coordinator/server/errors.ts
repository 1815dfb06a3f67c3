/**
 * Errors the API answers with. Each has an HTTP status, a stable code and a hint that says
 * what to do; the body is `{ error, code, hint }` (plus `issues` for validation errors).
 */
export interface ValidationIssue { path: string, message: string }

export abstract class ApiError extends Error {
  abstract readonly status: number
  abstract readonly code: string
  constructor (message: string, readonly hint: string) {
    super(message)
  }
}

export class UnauthorizedError extends ApiError {
  static readonly code = 'FLEET_ERR_API_UNAUTHORIZED'
  readonly code = UnauthorizedError.code
  readonly status = 401
  constructor (message: string, hint = "send 'Authorization: Bearer <token>' with a token from the first start of fleets server or from an admin (fleets token list on the server)") {
    super(message, hint)
    this.name = 'UnauthorizedError'
  }
}

export class ForbiddenError extends ApiError {
  static readonly code = 'FLEET_ERR_API_FORBIDDEN'
  readonly code = ForbiddenError.code
  readonly status = 403
  constructor (message: string, hint: string) {
    super(message, hint)
    this.name = 'ForbiddenError'
  }
}

export class InvalidRequestError extends ApiError {
  static readonly code = 'FLEET_ERR_API_INVALID'
  readonly code = InvalidRequestError.code
  readonly status = 400
  constructor (message: string, readonly issues: ValidationIssue[] = [], hint = 'fix the field named in the error; GET /api/v1/openapi.json describes every body') {
    super(message, hint)
    this.name = 'InvalidRequestError'
  }
}

export class NotFoundError extends ApiError {
  static readonly code = 'FLEET_ERR_API_NOT_FOUND'
  readonly code = NotFoundError.code
  readonly status = 404
  constructor (message: string, hint: string) {
    super(message, hint)
    this.name = 'NotFoundError'
  }
}

export class ConflictError extends ApiError {
  static readonly code = 'FLEET_ERR_API_CONFLICT'
  readonly code = ConflictError.code
  readonly status = 409
  constructor (message: string, hint: string) {
    super(message, hint)
    this.name = 'ConflictError'
  }
}

export class BodyTooLargeError extends ApiError {
  static readonly code = 'FLEET_ERR_API_BODY_TOO_LARGE'
  readonly code = BodyTooLargeError.code
  readonly status = 413
  constructor (limitBytes: number) {
    super(`the request body is over ${limitBytes} bytes`, 'send a smaller body: specs are a few KB; large data goes to the artifact store')
    this.name = 'BodyTooLargeError'
  }
}

export class InternalApiError extends ApiError {
  static readonly code = 'FLEET_ERR_API_INTERNAL'
  readonly code = InternalApiError.code
  readonly status = 500
  constructor (message = 'the coordinator failed to handle the request') {
    super(message, 'see the coordinator log for the cause; report it if it repeats')
    this.name = 'InternalApiError'
  }
}
