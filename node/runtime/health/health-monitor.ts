import { HealthCheckFailedError } from './errors.js'
import { probe as realProbe } from './probes.js'
import type { HealthCheckSpec } from './health-spec.js'
import type { ProbeContext, ProbeResult } from './probes.js'
import type { Clock } from '../../ports/index.js'

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy'

export interface HealthMonitorComponents {
  clock: Clock
  /** Injected for tests and the simulator; the real probes by default. */
  probe?: (spec: HealthCheckSpec, context: ProbeContext) => Promise<ProbeResult>
}

/**
 * Probes one app instance on its interval. `retries` consecutive failures make it unhealthy,
 * one success makes it healthy; failures in the start period after `start()` do not count.
 */
export class HealthMonitor {
  status: HealthStatus = 'starting'
  lastDetail = ''
  consecutiveFailures = 0
  private controller: AbortController | undefined
  private readonly listeners = new Set<(status: HealthStatus) => void>()

  constructor (private readonly c: HealthMonitorComponents, readonly spec: HealthCheckSpec, private readonly context: ProbeContext = {}) {}

  start (): void {
    if (this.controller != null) return
    this.controller = new AbortController()
    void this.loop(this.controller.signal)
  }

  stop (): void {
    this.controller?.abort()
    this.controller = undefined
  }

  onChange (listener: (status: HealthStatus) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Resolves once healthy; rejects with the last probe's reason once unhealthy or after `timeoutMs`. */
  async waitUntilHealthy (timeoutMs: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.status === 'healthy') return
    // The deadline timer ends with the wait: left running, it would hold the event loop (and a stopping node) open.
    const done = new AbortController()
    const signal = options.signal != null ? AbortSignal.any([options.signal, done.signal]) : done.signal
    const deadline = this.c.clock.sleep(timeoutMs, { signal }).then(() => 'timeout' as const)
    deadline.catch(() => {})
    let unsubscribe = (): void => {}
    const outcome = new Promise<HealthStatus>(resolve => {
      unsubscribe = this.onChange(status => { if (status !== 'starting') resolve(status) })
      if (this.status === 'unhealthy') resolve('unhealthy')
    })
    try {
      const result = await Promise.race([outcome, deadline])
      if (result === 'healthy') return
      const why = result === 'timeout' ? `not healthy within ${timeoutMs} ms` : `unhealthy after ${this.consecutiveFailures} failed checks`
      throw new HealthCheckFailedError(`${why}: ${this.lastDetail || 'no probe finished'}`, this.lastDetail)
    } finally {
      unsubscribe()
      done.abort()
    }
  }

  private async loop (signal: AbortSignal): Promise<void> {
    const startedMs = this.c.clock.nowMs()
    const probe = this.c.probe ?? realProbe
    while (!signal.aborted) {
      const result = await probe(this.spec, this.context)
      if (signal.aborted) return
      this.lastDetail = result.detail
      if (result.ok) {
        this.consecutiveFailures = 0
        this.set('healthy')
      } else if (this.c.clock.nowMs() - startedMs >= this.spec.startPeriodMs) {
        this.consecutiveFailures++
        if (this.consecutiveFailures >= this.spec.retries) this.set('unhealthy')
      }
      await this.c.clock.sleep(this.spec.intervalMs, { signal }).catch(() => {})
    }
  }

  private set (status: HealthStatus): void {
    if (this.status === status) return
    this.status = status
    for (const listener of this.listeners) listener(status)
  }
}
