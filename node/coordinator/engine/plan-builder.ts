/**
 * From a publish-plan decision to the Plan devices receive: the app as the coordinator keeps it
 * (AppRecord, the seed's units) in the wire form (bytes, thousandths of a CPU), the manifest of
 * the version the cohort is to run, and the cohort rule. Pure.
 */
import { manifestFromJson } from '../../../content/manifest/index.js'
import { parseCpu, parseMemory } from '../../runtime/limits/index.js'
import type { ManifestJson } from '../../../content/manifest/index.js'
import type { Encodable, Plan } from '../../../proto/index.js'
import type { PublishPlanAction } from '../rollout/index.js'
import type { AppRecord } from '../store/index.js'

type WireApp = NonNullable<Encodable<Plan>['app']>
type WireHealthCheck = NonNullable<WireApp['healthCheck']>

/** Health-check timing the plan carries; the seed's defaults for a device probing itself. */
const HEALTH_TIMING = { intervalMs: 2_000, timeoutMs: 2_000, failureThreshold: 3, startPeriodMs: 10_000 }

export interface PlanInput {
  fleetId: string
  deploymentId: string
  strategy: string
  target: string
  app: AppRecord
  action: PublishPlanAction
  /** The manifest of `action.version` (the rollback version's for a rollback plan). */
  manifest: ManifestJson
  /** Set on every plan of a deployment that has one, so devices know where a rollback goes. */
  rollbackTo?: string
  issuedMs: number
  expiresMs: number
}

export function buildPlan (input: PlanInput): Encodable<Plan> {
  const { action } = input
  return {
    fleetId: input.fleetId,
    deploymentId: input.deploymentId,
    seq: action.seq,
    app: wireApp(input.app),
    manifest: manifestFromJson(input.manifest),
    cohort: { phaseBasisPoints: action.phaseBasisPoints, currentPhase: action.phase, target: input.target },
    // node/plans reads rollback_to as "this plan is a rollback": only rollback plans carry it.
    ...(action.rollback && input.rollbackTo != null ? { rollbackTo: input.rollbackTo } : {}),
    issuedMs: input.issuedMs,
    expiresMs: input.expiresMs,
    strategy: input.strategy,
    ...(action.standby === true ? { standby: true } : {})
  }
}

export function wireApp (app: AppRecord): WireApp {
  return {
    name: app.name,
    runtime: app.runtime,
    args: app.args,
    env: new Map(Object.entries(app.env)),
    limits: {
      memoryBytes: app.limits.memory != null ? parseMemory(app.limits.memory) : 0,
      cpuMillis: app.limits.cpu != null ? parseCpu(app.limits.cpu) : 0
    },
    ...(app.healthCheck != null ? { healthCheck: wireHealthCheck(app.healthCheck) } : {}),
    restartPolicy: app.restartPolicy
  }
}

function wireHealthCheck (check: NonNullable<AppRecord['healthCheck']>): WireHealthCheck {
  switch (check.kind) {
    case 'http': return { kind: 'http', httpPath: check.path, port: check.port, command: [], ...HEALTH_TIMING }
    case 'tcp': return { kind: 'tcp', httpPath: '', port: check.port, command: [], ...HEALTH_TIMING }
    case 'exec': return { kind: 'exec', httpPath: '', port: 0, command: check.command, ...HEALTH_TIMING }
  }
}
