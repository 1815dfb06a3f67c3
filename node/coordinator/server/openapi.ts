import { z } from 'zod'
import type { ApiRoute } from './route.js'

type JsonSchema = Record<string, unknown>

export interface OpenApiDocument {
  openapi: '3.1.0'
  info: { title: string, version: string, description: string }
  paths: Record<string, Record<string, unknown>>
  components: { schemas: Record<string, JsonSchema>, securitySchemes: Record<string, unknown> }
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request: the error names the field (`body.healthCheck: …`)',
  401: 'missing, unknown or revoked API token',
  403: "the token's role does not allow this",
  404: 'no such resource',
  409: 'conflicts with the current state (exists already, refused by the rollout engine, last admin token)',
  413: 'request body over the limit',
  500: 'the coordinator failed; see its log'
}

/** `{ error, code, hint }`, as every error is answered. */
export const errorBodySchema = z.object({
  error: z.string().describe('what went wrong'),
  code: z.string().describe('stable FLEET_ERR_* code (README "Error codes")'),
  hint: z.string().describe('what to do about it'),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('validation problems, one per field')
})

/**
 * The OpenAPI 3.1 document of the routes, generated from the same definitions and zod schemas
 * the server validates with, so the document cannot drift from what is served.
 */
export function buildOpenApi (routes: readonly ApiRoute[], version: string): OpenApiDocument {
  const schemas: Record<string, JsonSchema> = { Error: toSchema(errorBodySchema, 'output', {}) }
  const paths: OpenApiDocument['paths'] = {}
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    const operation: Record<string, unknown> = {
      operationId: operationId(route),
      summary: route.summary,
      tags: [route.tag],
      ...(route.role == null ? { security: [] } : { security: [{ bearer: [] }], 'x-fleetd-role': route.role }),
      parameters: [...parameters(route.params, 'path', schemas), ...parameters(route.query, 'query', schemas)],
      ...(route.body != null
        ? { requestBody: { required: route.bodyOptional !== true, content: { 'application/json': { schema: bodySchema(route, schemas) } } } }
        : {}),
      responses: responses(route, schemas)
    }
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'FleetD coordinator API',
      version,
      description: 'Devices, apps, deployments, API tokens and the audit log of a FleetD fleet. Every route but health and this document needs `Authorization: Bearer <token>`; `x-fleetd-role` is the least role it needs (viewer < operator < admin). Errors are `{ error, code, hint }`.'
    },
    paths,
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token (fleetd_…)' } } }
  }
}

function bodySchema (route: ApiRoute, schemas: Record<string, JsonSchema>): JsonSchema {
  const doc = route.bodyDocument
  if (doc == null) return toSchema(route.body ?? z.unknown(), 'input', schemas)
  const json = toSchema(doc.schema, 'input', schemas)
  const optional = new Set(doc.optional ?? [])
  // Drop server-filled fields from `required`, in the schema and in each branch of a union.
  const relax = (node: JsonSchema): void => {
    if (Array.isArray(node.required)) node.required = (node.required as string[]).filter(name => !optional.has(name))
    for (const key of ['anyOf', 'oneOf', 'allOf']) for (const branch of (node[key] ?? []) as JsonSchema[]) relax(branch)
  }
  relax(json)
  return json
}

function responses (route: ApiRoute, schemas: Record<string, JsonSchema>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    [String(route.status ?? 200)]: { description: 'success', content: { 'application/json': { schema: toSchema(route.response, 'output', schemas) } } }
  }
  const statuses = [
    ...(route.body != null || route.query != null || route.params != null ? [400] : []),
    ...(route.role != null ? [401, 403] : []),
    ...(route.errors ?? []),
    ...(route.body != null ? [413] : []),
    500
  ]
  for (const status of [...new Set(statuses)].sort()) {
    out[String(status)] = { description: ERROR_DESCRIPTIONS[status] ?? 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
  }
  return out
}

function parameters (schema: z.ZodType | undefined, location: 'path' | 'query', schemas: Record<string, JsonSchema>): unknown[] {
  if (schema == null) return []
  const json = toSchema(schema, 'input', schemas)
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((json.required ?? []) as string[])
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property
  }))
}

/**
 * JSON Schema for one zod schema, with its shared definitions (`JsonValue`) lifted into
 * `components.schemas`: a `$ref` to `#/$defs/…` would point into the document root otherwise.
 */
function toSchema (schema: z.ZodType, io: 'input' | 'output', schemas: Record<string, JsonSchema>): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema
  const defs = (json.$defs ?? {}) as Record<string, JsonSchema>
  delete json.$defs
  delete json.$schema
  for (const [name, def] of Object.entries(defs)) schemas[name] ??= rewriteRefs(def) as JsonSchema
  return rewriteRefs(json) as JsonSchema
}

function rewriteRefs (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs)
  if (value == null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([key, v]) =>
    key === '$ref' && typeof v === 'string' ? [key, v.replace('#/$defs/', '#/components/schemas/')] : [key, rewriteRefs(v)]))
}

function operationId (route: ApiRoute): string {
  const words = route.path.replace(/^\/api\/v1/, '').split(/[/.]/).filter(Boolean)
    .map(w => w.startsWith(':') ? `by-${w.slice(1)}` : w)
  return [route.method.toLowerCase(), ...words].join('-').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
}
