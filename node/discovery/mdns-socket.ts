/**
 * The real mDNS socket: multicast-dns on UDP 5353, joined to 224.0.0.251 on every IPv4
 * interface. Opening it sends nothing; the browse sends. Tests use a fake (or run inside a
 * network namespace): never open this in the root namespace of a test machine.
 */
import multicastDns from 'multicast-dns'
import { DiscoverySocketError } from './errors.js'
import type { MdnsQuestion, MdnsResponse } from './records.js'
import type { AbortOptions } from '../ports/index.js'

export interface MdnsSocket {
  /** Sends one query packet; rejects when it could not be sent (no multicast route, say). */
  query(questions: MdnsQuestion[]): Promise<void>
  /** Every response packet heard, solicited or not. */
  onResponse(listener: (response: MdnsResponse) => void): void
  /** Leaves the multicast group and closes the socket; idempotent. */
  close(): Promise<void>
}

export type MdnsSocketFactory = (options?: AbortOptions) => Promise<MdnsSocket>

export interface MulticastDnsSocketInit {
  /** IPv4 address of the interface to use. @default every interface */
  interface?: string
}

export function multicastDnsSocket (init: MulticastDnsSocketInit = {}): MdnsSocketFactory {
  return async (options = {}) => {
    options.signal?.throwIfAborted()
    const mdns = multicastDns(init.interface == null ? {} : { interface: init.interface })
    // Interfaces that cannot join the group are reported as warnings; the others still work.
    mdns.on('warning', () => {})
    try {
      await new Promise<void>((resolve, reject) => {
        mdns.once('ready', resolve)
        mdns.once('error', reject)
      })
    } catch (err) {
      await new Promise<void>(resolve => { mdns.destroy(resolve) })
      const e = err as NodeJS.ErrnoException
      throw new DiscoverySocketError(`cannot open the mDNS socket on UDP port 5353 (${e.code ?? e.message}): ${
        e.code === 'EACCES' ? 'this user may not bind it' : 'another program holds it without sharing (SO_REUSEADDR)'
      }; stop that program or run discovery on a machine where it is free`, { cause: err })
    }
    mdns.on('error', () => {}) // after ready, send errors come back through query()'s promise
    let closed: Promise<void> | undefined
    return {
      query: async (questions) => {
        await new Promise<void>((resolve, reject) => {
          mdns.query({ questions }, (err) => { if (err == null) resolve(); else reject(err) })
        })
      },
      onResponse: (listener) => { mdns.on('response', (response) => { listener(response) }) },
      close: async () => {
        closed ??= new Promise<void>(resolve => { mdns.destroy(resolve) })
        await closed
      }
    }
  }
}
