import { ok as assert } from 'node:assert'
import { MDNS_SERVICE_TAG } from '../mesh/constants.js'
import { planQueries } from './browse-plan.js'
import {
  BROWSE_TIMEOUT_MS_DEFAULT, BROWSE_TIMEOUT_MS_MAX, BROWSE_TIMEOUT_MS_MIN, RECORDS_MAX, REQUERY_INTERVAL_MS, SERVICE_TYPES_MAX
} from './constants.js'
import { DiscoverySocketError } from './errors.js'
import { fleetNodesOf } from './fleet-nodes.js'
import { RecordCache } from './record-cache.js'
import { nameKey } from './records.js'
import { serviceTypeFqdn, serviceTypeLabel } from './service-type.js'
import type { BrowseOptions, BrowseResult, BrowseTarget, Discovery, DiscoveryComponents, DiscoveryInit } from './index.js'
import type { MdnsSocket } from './mdns-socket.js'
import type { MdnsQuestion } from './records.js'
import type { ServiceInstance } from './record-cache.js'

/** A one-shot DNS-SD browse: query, re-query each interval, collect every answer, close. */
export class MdnsDiscovery implements Discovery {
  private readonly fleetType: string

  constructor (private readonly components: DiscoveryComponents, private readonly init: DiscoveryInit) {
    this.fleetType = nameKey(init.fleetServiceTag ?? MDNS_SERVICE_TAG)
  }

  async browse (target: BrowseTarget, options: BrowseOptions = {}): Promise<BrowseResult> {
    const timeoutMs = options.timeoutMs ?? this.init.timeoutMs ?? BROWSE_TIMEOUT_MS_DEFAULT
    assert(Number.isInteger(timeoutMs) && timeoutMs >= BROWSE_TIMEOUT_MS_MIN && timeoutMs <= BROWSE_TIMEOUT_MS_MAX,
      `timeoutMs must be ${BROWSE_TIMEOUT_MS_MIN}..${BROWSE_TIMEOUT_MS_MAX}, got ${timeoutMs}`)
    const requested = target.kind === 'service' ? serviceTypeFqdn(target.type) : this.fleetType
    assert(requested != null, `not a DNS-SD service type: ${target.kind === 'service' ? target.type : ''}`)
    const cache = new RecordCache(this.init.recordsMax ?? RECORDS_MAX)
    const types = new Set([requested])
    const socket = await this.components.openSocket(options)
    try {
      socket.onResponse((response) => {
        cache.add(response)
        if (target.kind === 'all') this.followNewTypes(cache, types, socket)
      })
      await this.queryRounds(socket, cache, { listTypes: target.kind === 'all', types, fleetType: this.fleetType }, timeoutMs, options)
    } finally {
      await socket.close()
    }
    return this.result(cache, types, target)
  }

  /** Round 0 at once, then one per interval until the deadline; bounded by the round count too. */
  private async queryRounds (socket: MdnsSocket, cache: RecordCache, context: Parameters<typeof planQueries>[1], timeoutMs: number, options: BrowseOptions): Promise<void> {
    const { clock } = this.components
    const intervalMs = this.init.requeryIntervalMs ?? REQUERY_INTERVAL_MS
    const deadlineMs = clock.nowMs() + timeoutMs
    const roundsMax = Math.ceil(timeoutMs / intervalMs) + 1
    for (let round = 0; round < roundsMax; round++) {
      const sent = await Promise.allSettled(planQueries(cache, context).map(async q => { await socket.query(q) }))
      const failed = sent.filter(r => r.status === 'rejected')
      if (round === 0 && failed.length === sent.length && failed[0] != null) {
        const cause = failed[0].reason as NodeJS.ErrnoException
        throw new DiscoverySocketError(`cannot send mDNS queries (${cause.code ?? cause.message}): no interface with a multicast route? ` +
          'Check that a LAN interface is up', { cause })
      }
      const remainingMs = deadlineMs - clock.nowMs()
      if (remainingMs <= 0) return
      await clock.sleep(Math.min(intervalMs, remainingMs), options)
      if (deadlineMs - clock.nowMs() <= 0) return
    }
  }

  /** `--all`: a type named by a meta answer is browsed at once, not at the next round. */
  private followNewTypes (cache: RecordCache, types: Set<string>, socket: MdnsSocket): void {
    for (const announced of cache.serviceTypes()) {
      const type = serviceTypeFqdn(announced)
      if (type == null || types.has(type) || types.size >= SERVICE_TYPES_MAX) continue
      types.add(type)
      const question: MdnsQuestion[] = [{ name: type, type: 'PTR' }]
      socket.query(question).catch(() => {}) // the next round asks again
    }
  }

  private result (cache: RecordCache, types: ReadonlySet<string>, target: BrowseTarget): BrowseResult {
    const instancesOf = (type: string): ReturnType<RecordCache['instance']>[] => cache.instanceNames(type).map(fqdn => cache.instance(type, fqdn))
    const services: ServiceInstance[] = [...types].filter(t => t !== this.fleetType).flatMap(instancesOf)
      .map(({ txtEntries: _, ...instance }) => instance)
      .sort((a, b) => compare(a.type, b.type) || compare(a.name, b.name) || compare(a.fqdn, b.fqdn))
    const nodes = types.has(this.fleetType) ? fleetNodesOf(instancesOf(this.fleetType)) : []
    const heard = [...types].filter(t => t === this.fleetType ? nodes.length > 0 : cache.instanceNames(t).length > 0)
    const listed = target.kind === 'all' ? [...cache.serviceTypes().flatMap(t => serviceTypeFqdn(t) ?? []), ...heard] : [...types]
    return { types: [...new Set(listed.map(serviceTypeLabel))].sort(), nodes, services, recordsDropped: cache.dropped }
  }
}

function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
