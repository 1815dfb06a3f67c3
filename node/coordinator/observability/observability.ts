import { alertManager, telemetryConfigSchema, telemetryStore, TELEMETRY_STEP } from '../../telemetry/index.js'
import { FLEETD_VERSION } from '../../version.js'
import { DEVICE_ID_PATTERN } from '../store/index.js'
import { dashboardDir, loadDashboard } from './dashboard-files.js'
import { EventStream } from './event-stream.js'
import { FleetHealthView } from './fleet-health.js'
import { registerRawRoutes } from './plugin.js'
import { prometheusExposition } from './prometheus-exposition.js'
import { observabilityRoutes } from './routes.js'
import type { ObservabilityComponents, ObservabilityInit } from './index.js'
import type { ApiPlugin } from '../server/index.js'
import type { Logger } from '../../logging/index.js'
import type { AlertManager, TelemetryDb, TelemetryStore } from '../../telemetry/index.js'
import type { DeviceReport } from '../../../proto/index.js'


export class Observability {
  readonly plugin: ApiPlugin
  readonly events: EventStream
  readonly health: FleetHealthView
  private readonly log: Logger
  private controller?: AbortController
  private loopDone?: Promise<void>
  private readonly unsubscribe: Array<() => void> = []

  private constructor (private readonly c: ObservabilityComponents, readonly telemetry: TelemetryStore, readonly alerts: AlertManager, dashboard: Map<string, { type: string, body: Buffer }>) {
    this.log = c.logger.forComponent('fleet:coordinator:observability')
    this.health = new FleetHealthView({ store: c.store, registry: c.registry, clock: c.clock, telemetry, alerts })
    this.events = new EventStream({ clock: c.clock, log: this.log, health: this.health })
    const exposition = async (): Promise<string> => await prometheusExposition({ health: this.health, telemetry, alerts, version: c.version ?? FLEETD_VERSION, ...(c.reportStats != null ? { reportStats: c.reportStats } : {}) })
    this.plugin = {
      routes: observabilityRoutes({ telemetry, alerts, health: this.health }),
      register: (fastify, host) => { registerRawRoutes(fastify, host, { exposition, events: this.events, dashboard }) }
    }
    this.unsubscribe.push(telemetry.onSample(sample => {
      this.events.onSample(sample)
      void alerts.observe(sample).catch((err: unknown) => { this.log.warn('alert evaluation failed: %s', (err as Error).message) })
    }))
    this.unsubscribe.push(alerts.onAlert(alert => { this.events.onAlert(alert) }))
  }

  static async open (c: ObservabilityComponents, init: ObservabilityInit): Promise<Observability> {
    const config = telemetryConfigSchema.parse(init.telemetry ?? {})
    // The JSON sublevel has the iterator/batch/clear TelemetryDb names; its generic option types are wider.
    const db = c.store.telemetry as unknown as TelemetryDb
    const telemetry = await telemetryStore(config)({ db, clock: c.clock })
    const alerts = await alertManager()({ db, clock: c.clock, random: c.random, logger: c.logger, ...(init.webhookUrl != null ? { webhookUrl: init.webhookUrl } : {}) })
    return new Observability(c, telemetry, alerts, await loadDashboard(init.dashboardDir ?? dashboardDir()))
  }

  /** Takes a telemetry report (true), or leaves a deployment report to the registry (false). */
  async onReport (report: DeviceReport): Promise<boolean> {
    if (report.step !== TELEMETRY_STEP || report.deploymentId !== '') return false
    if (await this.ingest(report)) await this.c.registry.touch([report.deviceId])
    return true
  }

  /** Stores a telemetry sample; false when it was dropped. */
  private async ingest (report: DeviceReport): Promise<boolean> {
    if (!DEVICE_ID_PATTERN.test(report.deviceId)) return false // dropped: acked so a broken sender does not resend it forever
    await this.telemetry.ingest({ deviceId: report.deviceId, atMs: report.sentMs, seq: report.seq, metrics: Object.fromEntries(report.metrics) })
    return true
  }

  /**
   * A delivered batch, in order: each run of telemetry reports is stored at once (one group
   * commit), other reports go to `other` one by one. Resolves to how many were handled (the
   * receiver acks those); a failure stops the batch there.
   */
  async onBatch (reports: DeviceReport[], other: (report: DeviceReport) => Promise<void>): Promise<number> {
    let handled = 0
    while (handled < reports.length) {
      const run: DeviceReport[] = []
      for (let i = handled; i < reports.length; i++) {
        const r = reports[i]
        if (r == null || r.step !== TELEMETRY_STEP || r.deploymentId !== '') break
        run.push(r)
      }
      try {
        if (run.length > 0) {
          await Promise.all(run.map(async r => await this.ingest(r)))
          // Telemetry that arrives is the device heard from: its last-seen moves, not only on presence and reports.
          await this.c.registry.touch(run.filter(r => DEVICE_ID_PATTERN.test(r.deviceId)).map(r => r.deviceId))
          handled += run.length
        } else {
          const r = reports[handled]
          if (r != null) await other(r)
          handled++
        }
      } catch (err) {
        this.log.warn('a report batch stopped after %d of %d: %s', handled, reports.length, (err as Error).message)
        return handled
      }
    }
    return handled
  }

  start (): void {
    if (this.controller != null) return
    this.controller = new AbortController()
    this.events.start()
    this.loopDone = this.maintain(this.controller.signal)
  }

  async stop (): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u()
    this.controller?.abort()
    this.controller = undefined
    await this.loopDone
    await this.events.stop()
    await this.alerts.drain()
    await this.telemetry.flush()
  }

  private async maintain (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.c.clock.sleep(this.telemetry.config.maintenanceIntervalMs, { signal })
        await this.telemetry.maintain()
      } catch (err) {
        if (signal.aborted) return
        this.log.warn('telemetry maintenance failed: %s', (err as Error).message)
      }
    }
  }
}
