import { z } from 'zod'
import { API_PREFIX, DEPLOYMENTS_PAGE_DEFAULT, PAGE_MAX } from '../constants.js'
import { commandBodySchema } from '../deployment-input.js'
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors.js'
import { defineRoute, parseInput, queryInt } from '../route.js'
import { DEPLOYMENT_EVENTS_MAX, DEPLOYMENT_ID_PATTERN, DEPLOYMENT_STATES, deploymentRecordSchema, deviceIdSchema, nameSchema, reportCountsSchema, reportRecordSchema } from '../../store/index.js'
import type { DeploymentSpecShape } from '../deployment-input.js'
import type { DeploymentCommand, DeploymentCommandResult } from '../engine.js'
import type { ApiContext } from '../context.js'
import type { ApiRoute } from '../route.js'
import type { DeploymentCommandKind, DeploymentRecord, JsonValue } from '../../store/index.js'

const idParams = z.object({ id: z.string().regex(DEPLOYMENT_ID_PATTERN, 'not a deployment id') }).strict()
const commandResultSchema = z.object({ accepted: z.boolean(), state: z.enum(DEPLOYMENT_STATES).optional(), phase: z.number().int().optional(), reason: z.string().optional() })
const COMMANDS = ['promote', 'pause', 'resume', 'rollback'] as const
const COMMAND_SUMMARY: Record<(typeof COMMANDS)[number], string> = {
  promote: 'Promote: let the rollout pass a manual validation gate (awaiting-approval → running)',
  pause: 'Pause the rollout: no new phase starts until resume',
  resume: 'Resume a paused rollout',
  rollback: 'Roll the deployment back to its previous version; `reason` is recorded as the rollback reason'
}

export function deploymentRoutes (specSchema: z.ZodType<DeploymentSpecShape>): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/deployments`, tag: 'deployments', role: 'viewer', summary: 'Deployments, newest first',
      query: z.object({
        app: nameSchema.optional(),
        state: z.enum(DEPLOYMENT_STATES).optional(),
        limit: queryInt(1, PAGE_MAX).optional().describe(`at most this many (default ${DEPLOYMENTS_PAGE_DEFAULT})`)
      }).strict(),
      response: z.object({ deployments: z.array(deploymentRecordSchema) }),
      handler: async ({ query, ctx }) => {
        const all = await ctx.store.deployments.list()
        const deployments = all
          .filter(d => (query.app == null || d.app === query.app) && (query.state == null || d.state === query.state))
          .sort((a, b) => b.createdMs - a.createdMs || (a.id < b.id ? 1 : -1))
          .slice(0, query.limit ?? DEPLOYMENTS_PAGE_DEFAULT)
        return { deployments }
      }
    }),
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/deployments/:id`, tag: 'deployments', role: 'viewer', errors: [404],
      summary: 'One deployment with its report counts (devices by step, health, version)',
      params: idParams, response: z.object({ deployment: deploymentRecordSchema, counts: reportCountsSchema }),
      handler: async ({ params, ctx }) => ({ deployment: await mustGet(ctx, params.id), counts: await ctx.store.reports.countsOf(params.id) })
    }),
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/deployments/:id/reports`, tag: 'deployments', role: 'viewer', errors: [404],
      summary: 'The latest report of each device for the deployment, by device id',
      params: idParams,
      query: z.object({ after: deviceIdSchema.optional(), limit: queryInt(1, PAGE_MAX).optional() }).strict(),
      response: z.object({ reports: z.array(reportRecordSchema), next: z.string().optional() }),
      handler: async ({ params, query, ctx }) => {
        await mustGet(ctx, params.id)
        const limit = query.limit ?? 1000
        const reports = await ctx.store.reports.list(params.id, { limit: limit + 1, ...(query.after != null ? { after: query.after } : {}) })
        const page = reports.slice(0, limit)
        return reports.length > limit ? { reports: page, next: page.at(-1)?.deviceId } : { reports: page }
      }
    }),
    defineRoute({
      method: 'POST', path: `${API_PREFIX}/deployments`, tag: 'deployments', role: 'operator', status: 201, errors: [409],
      summary: "Create a deployment of an app's version to a target with a strategy; the rollout engine takes it from there",
      // The handler fills id and version before validating with the spec schema, so the body is
      // checked here only for being an object; the document shows the spec schema itself.
      body: z.record(z.string(), z.unknown()),
      bodyDocument: { schema: specSchema, optional: ['id', 'version'] },
      response: deploymentRecordSchema,
      handler: async ({ body, actor, ctx }) => await createDeployment(ctx, specSchema, body, actor?.name ?? '')
    }),
    ...COMMANDS.map(kind => defineRoute({
      method: 'POST', path: `${API_PREFIX}/deployments/:id/${kind}`, tag: 'deployments', role: 'operator', errors: [404, 409],
      summary: COMMAND_SUMMARY[kind], params: idParams, body: commandBodySchema, bodyOptional: true,
      response: z.object({ deployment: deploymentRecordSchema, result: commandResultSchema }),
      handler: async ({ params, body, actor, ctx }) => await runCommand(ctx, params.id, kind, actor?.name ?? '', body.reason)
    }))
  ]
}

async function mustGet (ctx: ApiContext, id: string): Promise<DeploymentRecord> {
  const deployment = await ctx.store.deployments.get(id)
  if (deployment == null) throw new NotFoundError(`no deployment ${id}`, 'GET /api/v1/deployments lists them')
  return deployment
}

/**
 * Fills what the server knows (id, the app's version, the version to roll back to), validates
 * with the spec schema, stores the deployment as pending, and hands it to the engine.
 */
async function createDeployment (ctx: ApiContext, specSchema: z.ZodType<DeploymentSpecShape>, raw: Record<string, unknown>, actor: string): Promise<DeploymentRecord> {
  const app = typeof raw.app === 'string' ? await ctx.store.apps.get(raw.app) : undefined
  if (typeof raw.app === 'string' && app == null) {
    throw new InvalidRequestError(`invalid request: body.app: no app named ${raw.app}; create it first (POST /api/v1/apps)`, [{ path: 'body.app', message: `no app named ${raw.app}` }])
  }
  const nowMs = ctx.clock.nowMs()
  const version = raw.version ?? app?.artifact.version
  const rollbackTo = raw.rollbackTo ?? (app == null || typeof version !== 'string' ? undefined : await previousVersion(ctx, app.name, version))
  const spec = parseInput(specSchema, { ...raw, id: raw.id ?? newDeploymentId(ctx, nowMs), version, ...(rollbackTo != null ? { rollbackTo } : {}) }, 'body')
  const record: DeploymentRecord = {
    id: spec.id,
    app: spec.app,
    artifact: { name: app?.artifact.name ?? spec.app, version: spec.version },
    target: spec.target,
    strategy: spec.strategy,
    spec: JSON.parse(JSON.stringify(spec)) as Record<string, JsonValue>,
    state: 'pending',
    phase: 0,
    ...(spec.rollbackTo != null ? { rollbackTo: spec.rollbackTo } : {}),
    createdMs: nowMs,
    createdBy: actor,
    updatedMs: nowMs,
    events: []
  }
  await ctx.store.exclusive(async () => {
    if (await ctx.store.deployments.has(record.id)) throw new ConflictError(`a deployment with id ${record.id} exists already`, 'leave id out and the server assigns one')
    await ctx.store.deployments.put(record.id, record)
  })
  const { deployment, result } = await command(ctx, record, 'create', actor, undefined)
  if (!result.accepted) throw new ConflictError(`the rollout engine refused deployment ${record.id}: ${result.reason ?? 'no reason given'}`, 'fix what the reason names and create the deployment again')
  return deployment
}

async function runCommand (ctx: ApiContext, id: string, kind: Exclude<DeploymentCommandKind, 'create'>, actor: string, reason: string | undefined): Promise<{ deployment: DeploymentRecord, result: DeploymentCommandResult }> {
  const before = await mustGet(ctx, id)
  const done = await command(ctx, before, kind, actor, reason)
  if (!done.result.accepted) {
    throw new ConflictError(`${kind} of deployment ${id} (${before.state}) was refused: ${done.result.reason ?? 'no reason given'}`, `GET /api/v1/deployments/${id} shows its state`)
  }
  return { deployment: done.deployment, result: stripAudit(done.result) }
}

/** Asks the engine, records the answer on the deployment and in the audit log (refusals too). */
async function command (ctx: ApiContext, deployment: DeploymentRecord, kind: DeploymentCommandKind, actor: string, reason: string | undefined): Promise<{ deployment: DeploymentRecord, result: DeploymentCommandResult }> {
  const atMs = ctx.clock.nowMs()
  const cmd: DeploymentCommand = { kind, actor, atMs, ...(reason != null ? { reason } : {}) }
  const result = await ctx.engine.onCommand(deployment.id, cmd)
  const updated = await ctx.store.exclusive(async () => {
    // Re-read: the engine may have written the record (its state) while deciding.
    const current = (await ctx.store.deployments.get(deployment.id)) ?? deployment
    const state = result.accepted ? (result.state ?? current.state) : (kind === 'create' ? 'failed' : current.state)
    const rollbackReason = kind === 'rollback' && result.accepted ? (result.audit?.rollbackReason ?? reason ?? `rolled back by ${actor}`) : current.rollbackReason
    const next: DeploymentRecord = {
      ...current,
      state,
      phase: result.phase ?? current.phase,
      ...(rollbackReason != null ? { rollbackReason } : {}),
      updatedMs: atMs,
      events: [...current.events, { atMs, actor, command: kind, accepted: result.accepted, state, ...(result.reason != null ? { reason: result.reason.slice(0, 1024) } : {}) }]
        .slice(-DEPLOYMENT_EVENTS_MAX)
    }
    await ctx.store.deployments.put(next.id, next)
    return next
  })
  await ctx.audit.append({
    actor,
    action: `deployment.${kind}`,
    deploymentId: deployment.id,
    artifactVersion: `${deployment.artifact.name}@${deployment.artifact.version}`,
    ...(result.audit?.signatureVerified != null ? { signatureVerified: result.audit.signatureVerified } : {}),
    ...(result.audit?.scanResult != null ? { scanResult: result.audit.scanResult } : {}),
    ...(kind === 'rollback' && updated.rollbackReason != null ? { rollbackReason: updated.rollbackReason } : {}),
    detail: {
      accepted: result.accepted,
      state: updated.state,
      ...(kind === 'create' ? { app: deployment.app, target: deployment.target.slice(0, 256), strategy: deployment.strategy } : {}),
      ...(reason != null ? { reason: reason.slice(0, 256) } : {}),
      ...(result.reason != null ? { engine: result.reason.slice(0, 256) } : {})
    }
  })
  return { deployment: updated, result }
}

function stripAudit (result: DeploymentCommandResult): Omit<DeploymentCommandResult, 'audit'> {
  const out: DeploymentCommandResult = { ...result }
  delete out.audit
  return out
}

/** The version the app ran before: the newest succeeded deployment of another version. */
async function previousVersion (ctx: ApiContext, app: string, version: string): Promise<string | undefined> {
  const done = (await ctx.store.deployments.list())
    .filter(d => d.app === app && d.state === 'succeeded' && d.artifact.version !== version)
    .sort((a, b) => b.createdMs - a.createdMs)
  return done[0]?.artifact.version
}

/** `dep-<time, base 36>-<4 random base-32 chars>`: sorts by creation, unique without coordination. */
function newDeploymentId (ctx: ApiContext, nowMs: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  const suffix = Array.from({ length: 4 }, () => alphabet[ctx.random.nextU32() % 32]).join('')
  return `dep-${nowMs.toString(36)}-${suffix}`
}
