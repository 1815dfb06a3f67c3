import { z } from 'zod'
import { healthCheckSchema } from '../runtime/health/index.js'

/** App names become file and cgroup names: lowercase, digits, `-`, `_`, `.`, not starting with a dot. */
export const APP_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/

const quantity = z.union([z.string().min(1), z.number().positive()])

/**
 * How an app runs on a device (DESIGN "App"): runtime, command, env, limits in the seed's units
 * (`memory: 2Gi`, `cpu: 1500m`), health check, restart policy, the ports the agent holds for
 * it, and how an update replaces the running version.
 */
export const appSpecSchema = z.object({
  name: z.string().regex(APP_NAME_PATTERN, 'app names are 1–63 of a-z 0-9 . _ - and start with a letter or digit'),
  runtime: z.enum(['process', 'systemd', 'docker']).default('process'),
  /** Overrides the artifact's entrypoint; a relative first element is inside the installed version. */
  command: z.array(z.string().min(1)).min(1).optional(),
  args: z.array(z.string()).default([]),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
  limits: z.object({ memory: quantity.optional(), cpu: quantity.optional(), ioReadBps: z.number().int().positive().optional(), ioWriteBps: z.number().int().positive().optional() }).strict().default({}),
  healthCheck: healthCheckSchema.optional(),
  restartPolicy: z.enum(['always', 'on-failure', 'never']).default('on-failure'),
  /** Public ports the agent listens on and forwards to the live instance, which gets its own port in `env`. */
  ports: z.array(z.object({
    port: z.number().int().min(1).max(65_535),
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('PORT'),
    host: z.string().default('0.0.0.0')
  }).strict()).max(8).default([]),
  update: z.object({
    strategy: z.enum(['stop-start', 'blue-green']).default('stop-start'),
    /** A new version that is not healthy this long after its start is rolled back. */
    healthTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(60_000)
  }).strict().default({ strategy: 'stop-start', healthTimeoutMs: 60_000 }),
  stopTimeoutMs: z.number().int().min(100).max(600_000).default(10_000)
}).strict()

export type AppSpec = z.output<typeof appSpecSchema>
export type AppSpecInput = z.input<typeof appSpecSchema>
