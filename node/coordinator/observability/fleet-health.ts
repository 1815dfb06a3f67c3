import { rolloutPhases } from '../rollout/index.js'
import { DEPLOYMENTS_FOLLOWED_MAX, FLEET_HEALTH_CACHE_MS, REGISTRY_PAGE } from './constants.js'
import type { ObservabilityComponents } from './index.js'
import type { AlertManager, TelemetryStore } from '../../telemetry/index.js'
import type { DeploymentRecord, ReportCounts } from '../store/index.js'
import type { DeploymentSpec } from '../rollout/index.js'

export interface DeviceStatus { id: string, name?: string | undefined, status: 'online' | 'offline' }

export interface FleetHealth {
  atMs: number
  devices: { total: number, online: number, offline: number }
  telemetry: { reporting: number, cpuPercentAvg: number | null, memoryUsedPercentAvg: number | null, hot: number }
  alerts: { firing: number }
  deployments: { active: number, byState: Record<string, number> }
}

export interface DeploymentProgress {
  id: string
  app: string
  version: string
  state: DeploymentRecord['state']
  phase: number
  phases: number
  /** Each phase's name and cumulative percent of the target. */
  phaseList: Array<{ name: string, percent: number, validation: 'auto' | 'manual' }>
  strategy: string
  updatedMs: number
  counts: ReportCounts
}

const ACTIVE = new Set(['pending', 'running', 'awaiting-approval', 'paused', 'rolling-back'])

/**
 * Fleet-wide figures the dashboard, the event streams and /metrics share, computed at most
 * once per FLEET_HEALTH_CACHE_MS: the registry's statuses, the telemetry's latest samples,
 * firing alerts and deployments.
 */
export class FleetHealthView {
  private cached?: { atMs: number, health: FleetHealth, statuses: DeviceStatus[], deployments: DeploymentProgress[] }
  private computing?: Promise<NonNullable<FleetHealthView['cached']>>

  constructor (private readonly c: Pick<ObservabilityComponents, 'store' | 'registry' | 'clock'> & { telemetry: TelemetryStore, alerts: AlertManager }) {}

  async snapshot (): Promise<NonNullable<FleetHealthView['cached']>> {
    const nowMs = this.c.clock.nowMs()
    if (this.cached != null && nowMs - this.cached.atMs < FLEET_HEALTH_CACHE_MS) return this.cached
    this.computing ??= this.compute(nowMs).finally(() => { this.computing = undefined })
    this.cached = await this.computing
    return this.cached
  }

  private async compute (atMs: number): Promise<NonNullable<FleetHealthView['cached']>> {
    const statuses: DeviceStatus[] = []
    let after: string | undefined
    do {
      const page = await this.c.registry.list({ limit: REGISTRY_PAGE, ...(after != null ? { after } : {}) })
      for (const d of page.devices) statuses.push({ id: d.id, name: d.name, status: d.status })
      after = page.next
    } while (after != null)
    const online = statuses.filter(s => s.status === 'online').length

    let reporting = 0; let cpuSum = 0; let cpuN = 0; let memSum = 0; let memN = 0; let hot = 0
    for (const s of this.c.telemetry.latestAll()) {
      reporting++
      const cpu = s.metrics.cpu_percent
      if (cpu != null) { cpuSum += cpu; cpuN++; if (cpu >= 90) hot++ }
      const used = s.metrics.memory_used_bytes; const total = s.metrics.memory_total_bytes
      if (used != null && total != null && total > 0) { memSum += 100 * used / total; memN++ }
    }

    const all = (await this.c.store.deployments.list()).sort((a, b) => b.createdMs - a.createdMs)
    const byState: Record<string, number> = {}
    for (const d of all) byState[d.state] = (byState[d.state] ?? 0) + 1
    const deployments: DeploymentProgress[] = []
    for (const d of all.slice(0, DEPLOYMENTS_FOLLOWED_MAX)) deployments.push(await this.progressOf(d))
    const health: FleetHealth = {
      atMs,
      devices: { total: statuses.length, online, offline: statuses.length - online },
      telemetry: { reporting, cpuPercentAvg: cpuN > 0 ? round(cpuSum / cpuN) : null, memoryUsedPercentAvg: memN > 0 ? round(memSum / memN) : null, hot },
      alerts: { firing: this.c.alerts.stats().firing },
      deployments: { active: all.filter(d => ACTIVE.has(d.state)).length, byState }
    }
    return { atMs, health, statuses, deployments }
  }

  /**
   * One deployment's progress, read now rather than from the snapshot: a deployment created within the
   * snapshot's cache time is not in it yet, and a page that opened it then showed a single 'all' phase.
   */
  async deployment (id: string): Promise<DeploymentProgress | undefined> {
    const d = await this.c.store.deployments.get(id)
    return d == null ? undefined : await this.progressOf(d)
  }

  private async progressOf (d: DeploymentRecord): Promise<DeploymentProgress> {
    const phaseList = phasesOf(d)
    return {
      id: d.id, app: d.app, version: d.artifact.version, state: d.state, phase: d.phase, phases: phaseList.length, phaseList, strategy: d.strategy,
      updatedMs: d.updatedMs, counts: await this.c.store.reports.countsOf(d.id)
    }
  }
}

/** The rollout controller's phases of a stored spec (validated at creation). */
export function phasesOf (d: DeploymentRecord): DeploymentProgress['phaseList'] {
  try {
    return rolloutPhases(d.spec as unknown as DeploymentSpec).map(p => ({ name: p.name, percent: p.basisPoints / 100, validation: p.validation ?? 'auto' }))
  } catch {
    return [{ name: 'all', percent: 100, validation: 'auto' }]
  }
}

function round (v: number): number {
  return Math.round(v * 100) / 100
}
