/**
 * An in-memory mDNS link for unit tests of node/discovery: responders are functions from a query
 * packet's questions to a response (already decoded, Buffers where multicast-dns gives Buffers),
 * delivered synchronously to every open socket. No socket, no multicast, no timing.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { MdnsQuestion, MdnsResponse, MdnsSocket, MdnsSocketFactory } from '../../node/discovery/index.js'
import type { Clock } from '../../node/ports/index.js'

export type Responder = (questions: readonly MdnsQuestion[]) => MdnsResponse | undefined

export interface FakeLan {
  openSocket: MdnsSocketFactory
  /** Every query packet sent, in order. */
  sent: MdnsQuestion[][]
  /** Sockets opened and closed so far. */
  sockets: { opened: number, closed: number }
  /** Delivers an unsolicited response (an announcement) to every open socket. */
  announce(response: MdnsResponse): void
}

export function fakeLan (responders: Responder[], options: { failSends?: boolean } = {}): FakeLan {
  const sent: MdnsQuestion[][] = []
  const sockets = { opened: 0, closed: 0 }
  const listeners = new Set<(response: MdnsResponse) => void>()
  const deliver = (response: MdnsResponse): void => { for (const l of [...listeners]) l(response) }
  return {
    sent,
    sockets,
    announce: deliver,
    openSocket: async (): Promise<MdnsSocket> => {
      sockets.opened++
      const mine: Array<(response: MdnsResponse) => void> = []
      return await Promise.resolve({
        query: async (questions) => {
          if (options.failSends === true) throw Object.assign(new Error('send ENETUNREACH 224.0.0.251:5353'), { code: 'ENETUNREACH' })
          sent.push(questions)
          for (const respond of responders) {
            const response = respond(questions)
            if (response != null) deliver(response)
          }
          await Promise.resolve()
        },
        onResponse: (listener) => { mine.push(listener); listeners.add(listener) },
        close: async () => {
          sockets.closed++
          for (const l of mine) listeners.delete(l)
          await Promise.resolve()
        }
      })
    }
  }
}

/** Virtual time: sleep() advances it at once. */
export function fakeClock (): Pick<Clock, 'nowMs' | 'sleep'> & { slept: number[] } {
  let nowMs = 0
  const slept: number[] = []
  return {
    slept,
    nowMs: () => nowMs,
    sleep: async (ms) => { slept.push(ms); nowMs += ms; await Promise.resolve() }
  }
}

/** A deterministic libp2p peer id from a seed byte. */
export async function seededPeerId (seed: number): Promise<string> {
  const key = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(seed))
  return peerIdFromPrivateKey(key).toString()
}

/**
 * Answers like @libp2p/mdns's gotQuery (dist/src/query.js): only when the packet's first
 * question names its tag; a PTR to a random instance name and one TXT `dnsaddr=` per address.
 */
export function libp2pResponder (peerId: string, addrs: string[], instance: string, tag = '_fleetd._udp.local'): Responder {
  return (questions) => {
    if (questions[0]?.name !== tag) return undefined
    return {
      answers: [
        { name: tag, type: 'PTR', class: 'IN', ttl: 120, data: `${instance}.${tag}` },
        ...addrs.map(a => ({ name: `${instance}.${tag}`, type: 'TXT', class: 'IN', ttl: 120, data: [Buffer.from(`dnsaddr=${a}/p2p/${peerId}`)] }))
      ],
      additionals: []
    }
  }
}

export interface DnsSdService { type: string, instance: string, host: string, port: number, address: string, txt: string[] }

/**
 * A DNS-SD responder (RFC 6763) for one instance. `eager` puts SRV, TXT and A in the additionals
 * of the PTR answer, as avahi does; otherwise each is sent only when asked for.
 */
export function dnsSdResponder (s: DnsSdService, eager = true): Responder {
  const typeFqdn = `${s.type}.local`
  const fqdn = `${s.instance}.${typeFqdn}`
  const srv = { name: fqdn, type: 'SRV', ttl: 120, data: { priority: 0, weight: 0, port: s.port, target: s.host } }
  const txt = { name: fqdn, type: 'TXT', ttl: 4500, data: s.txt.map(t => Buffer.from(t)) }
  const a = { name: s.host, type: 'A', ttl: 120, data: s.address }
  return (questions) => {
    const answers: unknown[] = []
    const additionals: unknown[] = []
    for (const q of questions) {
      if (q.name === '_services._dns-sd._udp.local' && q.type === 'PTR') answers.push({ name: q.name, type: 'PTR', ttl: 4500, data: typeFqdn })
      if (q.name === typeFqdn && q.type === 'PTR') {
        answers.push({ name: typeFqdn, type: 'PTR', ttl: 4500, data: fqdn })
        if (eager) additionals.push(srv, txt, a)
      }
      if (q.name === fqdn && q.type === 'SRV') answers.push(srv)
      if (q.name === fqdn && q.type === 'TXT') answers.push(txt)
      if (q.name === s.host && q.type === 'A') answers.push(a)
    }
    return answers.length === 0 ? undefined : { answers, additionals }
  }
}
