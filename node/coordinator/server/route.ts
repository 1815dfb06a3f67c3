import { z } from 'zod'
import { InvalidRequestError } from './errors.js'
import type { ValidationIssue } from './errors.js'
import type { ApiContext, Actor } from './context.js'
import type { Role } from '../store/index.js'

export type HttpMethod = 'GET' | 'POST' | 'DELETE'

export interface RouteInput<P, Q, B> {
  params: P
  query: Q
  body: B
  /** The authenticated caller; null only on routes without a role. */
  actor: Actor | null
  ctx: ApiContext
}

/**
 * One API route: the single definition that Fastify serves, zod validates and the OpenAPI
 * document describes, so the three cannot drift apart.
 */
export interface ApiRoute<P = unknown, Q = unknown, B = unknown> {
  method: HttpMethod
  /** Fastify syntax: `/api/v1/devices/:id`. */
  path: string
  summary: string
  tag: string
  /** Least role allowed; null for the few routes without authentication. */
  role: Role | null
  params?: z.ZodType<P>
  query?: z.ZodType<Q>
  body?: z.ZodType<B>
  /** What the document shows as the body when the handler validates it further itself; `optional` fields are filled by the server. */
  bodyDocument?: { schema: z.ZodType, optional?: string[] }
  /** Whether a body may be left out (then `{}` is validated). @default false when `body` is set */
  bodyOptional?: boolean
  response: z.ZodType
  /** Success status. @default 200 */
  status?: 200 | 201
  /** Error statuses this route can answer besides 400/401/403/500, for the document. */
  errors?: Array<404 | 409 | 413>
  handler(input: RouteInput<P, Q, B>): Promise<unknown>
}

/** Keeps each route's handler typed by its own schemas while the table holds them together. */
export function defineRoute<P = undefined, Q = undefined, B = undefined> (route: ApiRoute<P, Q, B>): ApiRoute {
  // `handler` is a method, so its parameter is bivariant: the table holds routes of any P, Q, B,
  // and each handler still only receives what its own schemas produced.
  return route
}

/** Validates one part of a request; the error names each field as `body.healthCheck`, `query.limit`. */
export function parseInput<T> (schema: z.ZodType<T>, value: unknown, where: 'params' | 'query' | 'body'): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issues = toValidationIssues(result.error, where)
  const shown = issues.slice(0, 3).map(i => `${i.path}: ${i.message}`).join('; ')
  throw new InvalidRequestError(`invalid request: ${shown}${issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''}`, issues)
}

export function toValidationIssues (error: z.ZodError, where: string): ValidationIssue[] {
  const out: ValidationIssue[] = []
  for (const issue of error.issues) {
    const path = [where, ...issue.path.map(String)].join('.')
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: `${path}.${key}`, message: 'unknown field' })
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Name the closest branch's first problem rather than zod's generic 'Invalid input'.
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0]?.[0]
      out.push({ path: best == null ? path : [path, ...best.path.map(String)].join('.'), message: best?.message ?? issue.message })
    } else {
      out.push({ path, message: issue.message })
    }
  }
  // One problem per field: a too-short name that also breaks the pattern is one fix, not two.
  return out.filter((issue, i) => out.findIndex(other => other.path === issue.path) === i)
}

/** Query strings carry text: numbers arrive as '50'. */
export const queryInt = (min: number, max: number): z.ZodCoercedNumber<unknown> => z.coerce.number().int().min(min).max(max)

export const noParams = z.object({}).strict()
