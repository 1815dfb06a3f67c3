import { EVENT_CLIENT_BUFFER_BYTES_MAX, EVENT_CLIENTS_MAX, EVENT_KEEPALIVE_MS, EVENT_METRICS_DEVICES_MAX, EVENT_TICK_MS } from './constants.js'
import type { DeploymentProgress, FleetHealthView } from './fleet-health.js'
import type { Alert, LatestSample } from '../../telemetry/index.js'
import type { Clock } from '../../ports/index.js'
import type { Logger } from '../../logging/index.js'
import type { ServerResponse } from 'node:http'

export const EVENT_TOPICS = ['fleet', 'devices', 'metrics', 'deployments', 'alerts'] as const
export type EventTopic = (typeof EVENT_TOPICS)[number]

interface Client { res: ServerResponse, topics: Set<EventTopic>, device?: string | undefined }

/**
 * Server-Sent Events for the dashboard and `fleets deploy watch`. Each tick (while someone
 * listens) sends `fleet` (health figures), `device` (a device whose status changed) and
 * `deployment` (a followed deployment whose state, phase or report counts changed; every one
 * once when a client connects). `metrics` carries each sample of the device a client filters
 * on, or the latest samples of up to EVENT_METRICS_DEVICES_MAX changed devices per tick;
 * `alert` each firing/resolved transition. A client that cannot keep up is dropped (it
 * reconnects and gets a fresh snapshot) rather than buffered without bound.
 */
export class EventStream {
  private readonly clients = new Set<Client>()
  private readonly changedSamples = new Map<string, LatestSample>()
  private lastDeployments = new Map<string, string>()
  private lastStatuses = new Map<string, string>()
  private controller?: AbortController
  private loopDone?: Promise<void>
  private lastKeepaliveMs = 0

  constructor (private readonly c: { clock: Clock, log: Logger, health: FleetHealthView }) {}

  start (): void {
    if (this.controller != null) return
    this.controller = new AbortController()
    this.loopDone = this.loop(this.controller.signal)
  }

  async stop (): Promise<void> {
    this.controller?.abort()
    this.controller = undefined
    await this.loopDone
    this.closeAll()
  }

  /** Ends every stream (before the HTTP server closes: open streams would hold it). */
  closeAll (): void {
    for (const client of this.clients) client.res.end()
    this.clients.clear()
  }

  get size (): number {
    return this.clients.size
  }

  /** Takes over a response; returns false when too many streams are open. */
  add (res: ServerResponse, topics: Set<EventTopic>, device?: string): boolean {
    if (this.clients.size >= EVENT_CLIENTS_MAX) return false
    const client: Client = { res, topics, device }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' })
    res.write('retry: 3000\n\n')
    this.clients.add(client)
    res.on('close', () => { this.clients.delete(client) })
    void this.snapshotTo(client)
    return true
  }

  onSample (sample: LatestSample): void {
    if (this.clients.size === 0) return
    for (const client of this.clients) {
      if (client.device === sample.deviceId && client.topics.has('metrics')) this.send(client, 'metrics', { samples: [sample] })
    }
    if (this.changedSamples.size < EVENT_METRICS_DEVICES_MAX || this.changedSamples.has(sample.deviceId)) this.changedSamples.set(sample.deviceId, sample)
  }

  onAlert (alert: Alert): void {
    for (const client of this.clients) if (client.topics.has('alerts')) this.send(client, 'alert', alert)
  }

  private async snapshotTo (client: Client): Promise<void> {
    try {
      const snap = await this.c.health.snapshot()
      if (client.topics.has('fleet')) this.send(client, 'fleet', snap.health)
      if (client.topics.has('deployments')) for (const d of snap.deployments) this.send(client, 'deployment', d)
    } catch (err) {
      this.c.log.warn('event stream snapshot failed: %s', (err as Error).message)
    }
  }

  private async loop (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.c.clock.sleep(EVENT_TICK_MS, { signal })
      } catch {
        return
      }
      if (this.clients.size === 0) { this.changedSamples.clear(); continue }
      try {
        await this.tick()
      } catch (err) {
        this.c.log.warn('event stream tick failed: %s', (err as Error).message)
      }
    }
  }

  private async tick (): Promise<void> {
    const { health, statuses, deployments } = await this.c.health.snapshot()
    const changedDeployments: DeploymentProgress[] = []
    const seen = new Map<string, string>()
    for (const d of deployments) {
      const key = JSON.stringify([d.state, d.phase, d.counts])
      seen.set(d.id, key)
      if (this.lastDeployments.get(d.id) !== key) changedDeployments.push(d)
    }
    this.lastDeployments = seen
    const changedStatuses = []
    const statusNow = new Map<string, string>()
    for (const s of statuses) {
      statusNow.set(s.id, s.status)
      if (this.lastStatuses.get(s.id) !== s.status) changedStatuses.push(s)
    }
    // The first tick knows no previous statuses: clients got the list from the API, not 10,000 events.
    const first = this.lastStatuses.size === 0
    this.lastStatuses = statusNow
    const samples = [...this.changedSamples.values()]
    this.changedSamples.clear()
    const nowMs = this.c.clock.nowMs()
    const keepalive = nowMs - this.lastKeepaliveMs >= EVENT_KEEPALIVE_MS
    if (keepalive) this.lastKeepaliveMs = nowMs
    for (const client of this.clients) {
      if (client.topics.has('fleet')) this.send(client, 'fleet', health)
      if (client.topics.has('deployments')) for (const d of changedDeployments) this.send(client, 'deployment', d)
      if (client.topics.has('devices') && !first) for (const s of changedStatuses) this.send(client, 'device', s)
      if (client.topics.has('metrics') && client.device == null && samples.length > 0) this.send(client, 'metrics', { samples })
      if (keepalive) this.write(client, ': keepalive\n\n')
    }
  }

  private send (client: Client, event: string, data: unknown): void {
    this.write(client, `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }

  private write (client: Client, text: string): void {
    if (client.res.writableLength > EVENT_CLIENT_BUFFER_BYTES_MAX) {
      this.c.log.warn('dropping a slow event stream client (%d bytes unsent)', client.res.writableLength)
      this.clients.delete(client)
      client.res.destroy()
      return
    }
    client.res.write(text)
  }
}
