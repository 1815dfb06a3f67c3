/**
 * What a browse has heard: every record of every response, keyed by name, type and data, and
 * the service instances they describe. Pure and synchronous, so it is tested without a socket.
 */
import { SERVICE_TYPES_QUERY } from './constants.js'
import { nameKey, toMdnsRecord, txtAttributes } from './records.js'
import { serviceTypeLabel } from './service-type.js'
import type { MdnsRecord, MdnsResponse } from './records.js'

/** One DNS-SD service instance, resolved as far as its records allow. */
export interface ServiceInstance {
  /** `_ssh._tcp` */
  type: string
  /** The instance label, e.g. `pi-kitchen` (may contain spaces and dots). */
  name: string
  /** `pi-kitchen._ssh._tcp.local` */
  fqdn: string
  /** SRV target, e.g. `pi-kitchen.local`; absent when no SRV record was heard. */
  host?: string
  port?: number
  /** A and AAAA addresses of `host`, sorted. */
  addresses: string[]
  /** TXT key/value pairs (a key without a value maps to ''). */
  txt: Record<string, string>
}

export interface CachedInstance extends ServiceInstance {
  /** TXT entries as announced, for readers that need repeated keys (libp2p's `dnsaddr=`). */
  txtEntries: string[]
}

export class RecordCache {
  private readonly records = new Map<string, MdnsRecord>()
  /** Records ignored because the cache was full. */
  dropped = 0

  constructor (private readonly recordsMax: number) {}

  /** Takes every record of a response, answers and additionals alike; TTL 0 is a goodbye. */
  add (response: MdnsResponse): void {
    for (const raw of [...(response.answers ?? []), ...(response.additionals ?? [])]) {
      const record = toMdnsRecord(raw)
      if (record == null) continue
      const key = `${nameKey(record.name)}|${record.type}|${JSON.stringify(record.data)}`
      if (record.ttl === 0) {
        this.records.delete(key)
      } else if (this.records.has(key) || this.records.size < this.recordsMax) {
        this.records.set(key, record)
      } else {
        this.dropped++
      }
    }
  }

  /** Service types answered to the meta query, as FQDNs (`_ssh._tcp.local`), sorted. */
  serviceTypes (): string[] {
    return unique(this.of('PTR', SERVICE_TYPES_QUERY).map(r => nameKey(r.data)))
  }

  /** Instance FQDNs of a service type, sorted. */
  instanceNames (typeFqdn: string): string[] {
    return unique(this.of('PTR', typeFqdn).map(r => r.data.replace(/\.$/, '')))
  }

  instance (typeFqdn: string, fqdn: string): CachedInstance {
    const srv = this.of('SRV', fqdn)[0]
    const txtEntries = [...new Set(this.of('TXT', fqdn).flatMap(r => r.data))]
    const host = srv?.data.target.replace(/\.$/, '')
    const suffix = `.${nameKey(typeFqdn)}`
    const name = nameKey(fqdn).endsWith(suffix) ? fqdn.slice(0, fqdn.length - suffix.length) : fqdn
    return {
      type: serviceTypeLabel(nameKey(typeFqdn)),
      name,
      fqdn,
      ...(host == null ? {} : { host, port: srv?.data.port }),
      addresses: host == null ? [] : this.addresses(host),
      txt: txtAttributes(txtEntries),
      txtEntries
    }
  }

  addresses (host: string): string[] {
    return unique([...this.of('A', host), ...this.of('AAAA', host)].map(r => r.data))
  }

  private of<T extends MdnsRecord['type']> (type: T, name: string): Array<Extract<MdnsRecord, { type: T }>> {
    const key = nameKey(name)
    const out: Array<Extract<MdnsRecord, { type: T }>> = []
    for (const record of this.records.values()) {
      if (record.type === type && nameKey(record.name) === key) out.push(record as Extract<MdnsRecord, { type: T }>)
    }
    return out
  }
}

function unique (values: string[]): string[] {
  return [...new Set(values)].sort()
}
