/**
 * From a plan's wire AppSpec and ArtifactManifest to what the agent takes (`Agent.setApp`): its
 * JSON app spec (node/agent/app-spec.ts) and a manifest in JSON form (hex bytes). Proto3 has no
 * "unset" for numbers and strings, so zero and empty mean "the agent's default".
 */
import { manifestFromJson, manifestToJson, parseManifest } from '../../content/manifest/index.js'
import { appSpecSchema } from '../agent/index.js'
import { PlanInvalidError } from './errors.js'
import type { ManifestJson } from '../../content/manifest/index.js'
import type { ArtifactManifest, HealthCheck, Plan, AppSpec as WireAppSpec } from '../../proto/index.js'
import type { AppSpecInput } from '../agent/index.js'
import type { HealthCheckInput } from '../runtime/health/index.js'

/** Runtimes this kind of device runs itself; `mcu-firmware` goes through a gateway. */
const DEVICE_RUNTIMES = ['process', 'systemd', 'docker'] as const

export interface AgentApp {
  /** The agent's app spec, validated by its schema. */
  spec: AppSpecInput
  /** The manifest of the version to run, JSON form. */
  manifest: ManifestJson
  /** The version the device is to run: the plan's, or `rollbackTo` for a rollback plan. */
  version: string
  rollback: boolean
}

/** Finds the manifest of an earlier version of an app (e.g. from the agent's state), for rollback plans. */
export type ManifestLookup = (app: string, version: string) => unknown

/**
 * The agent's view of a plan. A plan with `rollbackTo` set is a rollback: the device runs that
 * version, whose manifest is the plan's own when it names that version, or else found with
 * `manifestFor`. Throws PlanInvalidError naming what the agent cannot take.
 */
export function agentAppFromPlan (plan: Plan, manifestFor?: ManifestLookup): AgentApp {
  const where = `plan ${plan.deploymentId}#${plan.seq}`
  if (plan.app == null || plan.manifest == null) throw new PlanInvalidError(`${where} has no app or no manifest; report the coordinator that signed it`)
  const spec = agentSpec(plan.app, where)
  return { spec, ...planManifest(plan, manifestFor) }
}

/**
 * The version a plan asks for and its manifest (JSON form), whatever the runtime: a gateway
 * reads MCU firmware plans with it. Throws PlanInvalidError naming what is missing or wrong.
 */
export function planManifest (plan: Plan, manifestFor?: ManifestLookup): { manifest: ManifestJson, version: string, rollback: boolean } {
  const where = `plan ${plan.deploymentId}#${plan.seq}`
  if (plan.app == null || plan.manifest == null) throw new PlanInvalidError(`${where} has no app or no manifest; report the coordinator that signed it`)
  const rollback = plan.rollbackTo != null
  const version = plan.rollbackTo ?? plan.manifest.version
  const manifest = plan.manifest.version === version ? manifestJson(plan.manifest, where) : lookUp(manifestFor, plan.app.name, version, where)
  if (manifest.name !== plan.app.name) throw new PlanInvalidError(`${where} deploys app '${plan.app.name}' with the artifact '${manifest.name}'; the coordinator must use the manifest of the app's artifact`)
  return { manifest, version, rollback }
}

/** The agent's JSON app spec for a wire AppSpec, checked against the agent's schema. */
export function agentSpec (app: WireAppSpec, where = 'the plan'): AppSpecInput {
  const runtime = app.runtime === '' ? 'process' : app.runtime
  if (!(DEVICE_RUNTIMES as readonly string[]).includes(runtime)) {
    throw new PlanInvalidError(runtime === 'mcu-firmware'
      ? `${where} deploys MCU firmware, which a gateway flashes to its child devices; target the MCUs, not this device`
      : `${where} uses runtime '${runtime.slice(0, 40)}', which this fleet-node does not know (it runs ${DEVICE_RUNTIMES.join(', ')}); upgrade fleet-node or change the app's runtime`)
  }
  const limits = app.limits
  const spec: AppSpecInput = {
    name: app.name,
    runtime: runtime as typeof DEVICE_RUNTIMES[number],
    args: app.args,
    env: Object.fromEntries(app.env),
    limits: {
      ...(limits != null && limits.memoryBytes > 0 ? { memory: limits.memoryBytes } : {}),
      ...(limits != null && limits.cpuMillis > 0 ? { cpu: `${limits.cpuMillis}m` } : {})
    },
    ...(app.healthCheck != null && app.healthCheck.kind !== '' ? { healthCheck: healthCheck(app.healthCheck, where) } : {}),
    ...(app.restartPolicy !== '' ? { restartPolicy: app.restartPolicy as AppSpecInput['restartPolicy'] } : {})
  }
  const parsed = appSpecSchema.safeParse(spec)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new PlanInvalidError(`${where} has an app spec the agent refuses at "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'invalid'}; fix the app and deploy again`)
  }
  return spec
}

function healthCheck (h: HealthCheck, where: string): HealthCheckInput {
  const timing = {
    ...(h.intervalMs > 0 ? { intervalMs: h.intervalMs } : {}),
    ...(h.timeoutMs > 0 ? { timeoutMs: h.timeoutMs } : {}),
    ...(h.failureThreshold > 0 ? { retries: h.failureThreshold } : {}),
    ...(h.startPeriodMs > 0 ? { startPeriodMs: h.startPeriodMs } : {})
  }
  const port = h.port > 0 ? { port: h.port } : {}
  switch (h.kind) {
    case 'http': return { kind: 'http', ...port, ...(h.httpPath !== '' ? { path: h.httpPath } : {}), ...timing }
    case 'tcp': return { kind: 'tcp', ...port, ...timing }
    case 'exec': return { kind: 'exec', command: h.command, ...timing }
    default: throw new PlanInvalidError(`${where} has a health check of kind '${h.kind.slice(0, 40)}', which this fleet-node does not know (http, tcp, exec); upgrade fleet-node`)
  }
}

function manifestJson (manifest: ArtifactManifest, where: string): ManifestJson {
  try {
    return manifestToJson(parseManifest(manifest))
  } catch (err) {
    throw new PlanInvalidError(`${where} carries an invalid artifact manifest: ${(err as Error).message}`, { cause: err })
  }
}

function lookUp (manifestFor: ManifestLookup | undefined, app: string, version: string, where: string): ManifestJson {
  const found = manifestFor?.(app, version)
  if (found == null) {
    throw new PlanInvalidError(`${where} rolls ${app} back to ${version}, but carries the manifest of another version and this device has no manifest of ${version}; the coordinator must put the manifest of ${version} in the rollback plan`)
  }
  try {
    // The agent keeps manifests in JSON form (hex); a manifest store may hand out the in-memory form.
    return manifestToJson(typeof found === 'object' && 'sha256' in found && typeof found.sha256 === 'string'
      ? manifestFromJson(found)
      : parseManifest(found))
  } catch (err) {
    throw new PlanInvalidError(`${where}: the stored manifest of ${app}@${version} is invalid: ${(err as Error).message}`, { cause: err })
  }
}
