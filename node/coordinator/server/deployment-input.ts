/**
 * The body of `POST /api/v1/deployments`. The rollout controller owns the full spec schema
 * (phases, triggers, deadlines; node/coordinator/rollout) and `fleets server` passes it to
 * createApiServer. Without it, this default checks what the API itself relies on — app,
 * version, target, strategy — and takes the strategy options as JSON, unknown fields refused.
 */
import { z } from 'zod'
import { DEPLOYMENT_ID_PATTERN, jsonValueSchema, nameSchema, STRATEGIES } from '../store/index.js'

/** What the server reads from any deployment spec schema's output. */
export interface DeploymentSpecShape {
  id: string
  app: string
  version: string
  target: string
  strategy: (typeof STRATEGIES)[number]
  rollbackTo?: string | undefined
}

const TARGET_FORMS = "use 'all', 'group:NAME', 'ids:ID,ID' or a label selector like 'site=berlin,ring!=0'"
const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/
const SELECTOR_PART = /^[A-Za-z0-9][A-Za-z0-9._/-]*!?=[A-Za-z0-9._/-]*$/

/** Checks a target selector's form; returns what is wrong, or undefined. */
export function checkTarget (target: string): string | undefined {
  if (target === 'all') return undefined
  for (const prefix of ['group:', 'ids:']) {
    if (!target.startsWith(prefix)) continue
    const names = target.slice(prefix.length).split(',')
    const bad = names.find(n => !TARGET_NAME.test(n))
    return bad == null ? undefined : `'${bad}' is not a ${prefix === 'group:' ? 'group name' : 'device id'}; ${TARGET_FORMS}`
  }
  const bad = target.split(',').find(part => !SELECTOR_PART.test(part))
  return bad == null ? undefined : `'${bad}' is not a label requirement (key=value or key!=value); ${TARGET_FORMS}`
}

const option = jsonValueSchema.optional()

export const defaultDeploymentSpecSchema: z.ZodType<DeploymentSpecShape & Record<string, unknown>> = z.object({
  id: z.string().regex(DEPLOYMENT_ID_PATTERN, 'expected 1–128 of A-Z a-z 0-9 . _ : -, starting with a letter or digit')
    .describe('assigned by the server when left out'),
  app: nameSchema,
  version: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+_~-]{0,63}$/, 'expected a version like 1.4.2').describe("the app's artifact version when left out"),
  target: z.string().max(4096).superRefine((target, ctx) => {
    const problem = checkTarget(target)
    if (problem != null) ctx.addIssue({ code: 'custom', message: problem })
  }),
  strategy: z.enum(STRATEGIES),
  rollbackTo: z.string().max(64).optional(),
  canary: option,
  phases: option,
  rolling: option,
  blueGreen: option,
  allAtOnce: option,
  triggers: option,
  minSamples: option,
  successPercent: option,
  consecutiveInconclusiveMax: option,
  evaluationIntervalMs: option,
  circuitBreaker: option,
  promoteDeadlineMs: option,
  rollbackTimeoutMs: option,
  gradualStepTimeoutMs: option
}).strict()

/** Body of promote, pause, resume and rollback. */
export const commandBodySchema = z.object({
  reason: z.string().min(1).max(1024).optional().describe('why, in the operator\'s words; recorded in the audit log (the rollback reason for rollback)')
}).strict()
