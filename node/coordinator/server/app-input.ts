/** The body of `POST /api/v1/apps`: the seed's app fields, in the forms people type them. */
import { z } from 'zod'
import { parseManifestRef } from '../../../content/manifest/index.js'
import { parseCpu, parseMemory } from '../../runtime/limits/index.js'
import { healthCheckRecordSchema, nameSchema, RESTART_POLICIES, RUNTIMES } from '../store/index.js'
import type { ArtifactRef, HealthCheckRecord } from '../store/index.js'

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** `name:version` (or `name@version`, as `fleets artifact` prints it), with the manifest's rules for each part. */
export function parseArtifactRef (text: string): ArtifactRef | string {
  const at = text.includes('@') ? text : text.replace(':', '@')
  try {
    return parseManifestRef(at)
  } catch (err) {
    return `expected NAME:VERSION like web:1.4.2 (${(err as Error).message.replace(/^.*?ref(\.\w+)?: /s, '')})`
  }
}

/**
 * A health check from a URL, checked on the device itself: `http://localhost:8080/health` →
 * `{ kind: 'http', port: 8080, path: '/health' }`, `tcp://localhost:9000` → `{ kind: 'tcp', port: 9000 }`.
 * The host must be the device (localhost): a check never probes another machine.
 */
export function parseHealthCheckUrl (text: string): HealthCheckRecord | string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return `expected a URL like http://localhost:8080/health or tcp://localhost:9000, got '${text}'`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'tcp:') return `the scheme must be http: or tcp:, got '${url.protocol}'`
  if (!LOCAL_HOSTS.has(url.hostname)) return `the host must be localhost (the check runs on the device), got '${url.hostname}'`
  const port = Number(url.port === '' ? (url.protocol === 'http:' ? 80 : NaN) : url.port)
  if (!Number.isInteger(port) || port < 1) return `needs a port, e.g. ${url.protocol}//localhost:8080${url.protocol === 'http:' ? '/health' : ''}`
  return url.protocol === 'http:' ? { kind: 'http', port, path: url.pathname + url.search } : { kind: 'tcp', port }
}

const quantity = (parse: (value: string | number) => number, what: string): z.ZodType<string> =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    try {
      parse(value)
      return String(value)
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: (err as Error).message, input: value })
      return z.NEVER
    }
  }).describe(what)

export const appCreateSchema = z.object({
  name: nameSchema,
  artifact: z.string().describe("the artifact as NAME:VERSION, e.g. 'web:1.4.2'").transform((text, ctx) => {
    const ref = parseArtifactRef(text)
    if (typeof ref === 'string') {
      ctx.issues.push({ code: 'custom', message: ref, input: text })
      return z.NEVER
    }
    return ref
  }),
  runtime: z.enum(RUNTIMES).default('process'),
  args: z.array(z.string().max(4096)).max(256).default([]),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are A-Z a-z 0-9 _ and do not start with a digit').max(256), z.string().max(4096))
    .refine(env => Object.keys(env).length <= 256, 'at most 256 variables').default({}),
  limits: z.object({
    memory: quantity(parseMemory, "bytes or a quantity like '256Mi', '2Gi'").optional(),
    cpu: quantity(parseCpu, "CPUs like '1.5' or millicpus like '500m'").optional()
  }).strict().default({}),
  healthCheck: z.union([
    z.string().describe('a URL: http://localhost:PORT/PATH or tcp://localhost:PORT'),
    healthCheckRecordSchema
  ]).transform((value, ctx) => {
    if (typeof value !== 'string') return value
    const parsed = parseHealthCheckUrl(value)
    if (typeof parsed === 'string') {
      ctx.issues.push({ code: 'custom', message: parsed, input: value })
      return z.NEVER
    }
    return parsed
  }).optional(),
  restartPolicy: z.enum(RESTART_POLICIES).default('on-failure')
}).strict()
export type AppCreate = z.output<typeof appCreateSchema>
