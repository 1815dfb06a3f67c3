import { z } from 'zod'
import {
  HEALTH_INTERVAL_MS_DEFAULT, HEALTH_INTERVAL_MS_MAX, HEALTH_RETRIES_DEFAULT, HEALTH_RETRIES_MAX,
  HEALTH_START_PERIOD_MS_DEFAULT, HEALTH_TIMEOUT_MS_DEFAULT, HEALTH_TIMEOUT_MS_MAX
} from './constants.js'

const port = z.number().int().min(1).max(65_535)

const timing = {
  intervalMs: z.number().int().min(100).max(HEALTH_INTERVAL_MS_MAX).default(HEALTH_INTERVAL_MS_DEFAULT),
  timeoutMs: z.number().int().min(10).max(HEALTH_TIMEOUT_MS_MAX).default(HEALTH_TIMEOUT_MS_DEFAULT),
  retries: z.number().int().min(1).max(HEALTH_RETRIES_MAX).default(HEALTH_RETRIES_DEFAULT),
  startPeriodMs: z.number().int().min(0).max(HEALTH_INTERVAL_MS_MAX).default(HEALTH_START_PERIOD_MS_DEFAULT)
}

/**
 * A health check as apps declare it (the seed's `health_check`): HTTP GET on localhost with an
 * expected status (any 2xx by default), a TCP connect, or a command whose exit code 0 means
 * healthy. `port` may be left out for apps whose port the agent assigns (blue-green); the
 * agent fills it in per instance.
 */
export const healthCheckSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('http'), port: port.optional(), path: z.string().startsWith('/').default('/health'), expectStatus: z.number().int().min(100).max(599).optional(), ...timing }).strict(),
  z.object({ kind: z.literal('tcp'), port: port.optional(), ...timing }).strict(),
  z.object({ kind: z.literal('exec'), command: z.array(z.string().min(1)).min(1), ...timing }).strict()
])

export type HealthCheckSpec = z.output<typeof healthCheckSchema>
export type HealthCheckInput = z.input<typeof healthCheckSchema>
