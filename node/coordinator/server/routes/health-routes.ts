import { z } from 'zod'
import { API_PREFIX } from '../constants.js'
import { defineRoute } from '../route.js'
import { roleSchema } from '../../store/index.js'
import type { ApiRoute } from '../route.js'

const healthSchema = z.object({ status: z.literal('ok'), version: z.string(), nowMs: z.number().int() })
const documentSchema = z.record(z.string(), z.unknown()).describe('this OpenAPI 3.1 document')

/** Health and the OpenAPI document need no token (load balancers, API clients); both are also served at the root. */
export function healthRoutes (document: () => Record<string, unknown>): ApiRoute[] {
  const health = (path: string): ApiRoute => defineRoute({
    method: 'GET', path, tag: 'server', role: null, summary: 'Liveness: answers while the server runs (no token needed)', response: healthSchema,
    handler: async ({ ctx }) => await Promise.resolve({ status: 'ok' as const, version: ctx.version, nowMs: ctx.clock.nowMs() })
  })
  const openapi = (path: string): ApiRoute => defineRoute({
    method: 'GET', path, tag: 'server', role: null, summary: 'This OpenAPI 3.1 document, generated from the route definitions', response: documentSchema,
    handler: async () => await Promise.resolve(document())
  })
  return [
    health(`${API_PREFIX}/health`),
    health('/health'),
    openapi(`${API_PREFIX}/openapi.json`),
    openapi('/openapi.json'),
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/whoami`, tag: 'server', role: 'viewer', summary: "The calling token's name and role",
      response: z.object({ tokenId: z.string(), name: z.string(), role: roleSchema }),
      handler: async ({ actor }) => await Promise.resolve(actor)
    })
  ]
}
