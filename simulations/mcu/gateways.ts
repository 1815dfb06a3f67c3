/**
 * Gateways and their MCU children. A child is a device of the fleet like any other (its own
 * identity, cohort bucket, reports, the agent's real planner deciding its steps), hosted by its
 * gateway: plans reach it when they reach the gateway, its reports leave through the gateway's
 * outbox, and its install is the gateway fetching the image through the swarm, validating it
 * and streaming it over the child's link with resume (a transfer the gateway's going offline
 * cuts off continues from the last acknowledged segment on the next attempt).
 *
 * Invariants of their own (safety, checked as transfers happen): a LoRa radio never exceeds its
 * duty cycle and never carries two transfers at once; a child is only ever sent an image its
 * gateway holds completely.
 */
import { loraTime, serialTime } from './links.js'
import type { LinkTime } from './links.js'
import type { McuParams } from './params.js'
import type { DeviceIdentity } from '../../node/plans/target-selector.js'
import type { ArtifactFetcher } from '../device/index.js'
import type { SimRandom, Simulation } from '../engine/index.js'
import type { Network } from '../network/index.js'
import type { ArtifactSwarm } from '../swarm/index.js'

export type McuLinkKind = 'serial' | 'lora'

export interface McuChild {
  /** The gateway's mesh node. */
  gateway: number
  identity: DeviceIdentity
  link: McuLinkKind
}

export interface McuStats {
  transfers: number
  failedTransfers: number
  resumed: number
  bytesOverLinks: number
  /** Per finished transfer: link time (ms) by link kind. */
  serialMs: number[]
  loraMs: number[]
  /** Highest airtime / elapsed of any LoRa transfer (must stay ≤ its radio's duty cycle). */
  loraDutyMax: number
}

export interface McuComponents {
  sim: Simulation
  net: Network
  swarm: ArtifactSwarm
  random: SimRandom
  /** Where a broken invariant goes (the run's safety checker). */
  violate: (invariant: string, message: string) => void
  /** The LoRa timing model; tests swap in a radio that ignores its duty cycle. @default loraTime */
  loraTime?: typeof loraTime
}

interface RadioUse { startMs: number, endMs: number }

/** Deterministic layout: which mesh devices are gateways, their children, each radio's duty cycle. */
export function layoutChildren (meshDevices: readonly number[], siteOf: (node: number) => number, idOf: (node: number) => string, p: McuParams, random: SimRandom): { children: McuChild[], dutyOf: Map<number, number> } {
  const children: McuChild[] = []
  const dutyOf = new Map<number, number>()
  for (const node of meshDevices) {
    if (!random.chance(p.gatewayFraction)) continue
    const [lo, hi] = p.childrenPerGateway
    const count = lo + random.int(hi - lo + 1)
    dutyOf.set(node, random.pick(p.dutyCycles))
    let lora = 0
    for (let k = 0; k < count; k++) {
      const link: McuLinkKind = lora < p.loraPerGatewayMax && random.chance(p.loraFraction) ? 'lora' : 'serial'
      if (link === 'lora') lora++
      children.push({ gateway: node, link, identity: { id: `mcu-${idOf(node).slice(4)}-${k}`, labels: { site: `site-${siteOf(node)}`, parent: idOf(node), link }, groups: ['mcu'] } })
    }
  }
  return { children, dutyOf }
}

export class McuGateways {
  readonly stats: McuStats = { transfers: 0, failedTransfers: 0, resumed: 0, bytesOverLinks: 0, serialMs: [], loraMs: [], loraDutyMax: 0 }
  /** Bytes of (child, version) already acknowledged: where a resumed transfer starts. */
  private readonly acked = new Map<string, number>()
  private readonly radioFreeAtMs = new Map<number, number>()
  private readonly lastRadioUse = new Map<number, RadioUse>()

  constructor (private readonly c: McuComponents, readonly params: McuParams, private readonly dutyOf: ReadonlyMap<number, number>) {}

  /** The install path of one child: the gateway fetches through the swarm, then streams over the link. */
  fetcherFor (child: McuChild): ArtifactFetcher {
    return {
      fetch: (_node, version, done) => {
        this.c.swarm.fetch(child.gateway, version, (ok, error) => {
          if (!ok) { done(false, `gateway ${child.gateway} could not fetch the image: ${error ?? 'no source'}`); return }
          this.transfer(child, version, done)
        })
      }
    }
  }

  private transfer (child: McuChild, version: string, done: (ok: boolean, error?: string) => void): void {
    const { sim, net, swarm, random } = this.c
    const p = this.params
    const gw = child.gateway
    if (!swarm.holds(gw, version)) this.c.violate('mcu-image-held', `gateway ${gw} streamed ${version} to ${child.identity.id} without holding the whole image`)
    const bytes = swarm.shape(version)?.bytes ?? 0
    const key = `${child.identity.id}@${version}`
    const from = this.acked.get(key) ?? 0
    if (from > 0) this.stats.resumed++
    const remaining = bytes - from
    const duty = this.dutyOf.get(gw) ?? 1
    const time: LinkTime = child.link === 'serial' ? serialTime(remaining, p.serial, random) : (this.c.loraTime ?? loraTime)(remaining, p.lora, duty, random)
    const flashMs = (remaining * 1_000) / p.flashBytesPerS
    // One radio per gateway: LoRa children wait their turn; each child has its own UART.
    const startMs = child.link === 'lora' ? Math.max(sim.nowMs, this.radioFreeAtMs.get(gw) ?? 0) : sim.nowMs
    if (child.link === 'lora') this.radioFreeAtMs.set(gw, startMs + time.totalMs)
    this.stats.transfers++
    const segmentMs = time.totalMs / p.segments
    const step = (segment: number): void => {
      if (net.online[gw] !== 1) {
        // The gateway went away: what was acknowledged stays, the next attempt resumes there.
        this.acked.set(key, from + Math.floor((remaining * segment) / p.segments))
        this.radioDone(child, gw, startMs, (time.airtimeMs * segment) / p.segments, duty)
        this.stats.failedTransfers++
        done(false, `${child.link} transfer to ${child.identity.id} cut off at ${Math.round((100 * segment) / p.segments)}%: gateway offline`)
        return
      }
      if (segment < p.segments) {
        sim.after(segmentMs, `mcu-${child.link}`, gw, () => { step(segment + 1) })
        return
      }
      this.radioDone(child, gw, startMs, time.airtimeMs, duty)
      this.acked.delete(key)
      if (time.failed !== undefined) {
        this.stats.failedTransfers++
        done(false, time.failed)
        return
      }
      this.stats.bytesOverLinks += remaining
      ;(child.link === 'serial' ? this.stats.serialMs : this.stats.loraMs).push(sim.nowMs - startMs)
      sim.after(flashMs, 'mcu-flash', gw, () => { done(true) })
    }
    sim.at(startMs, `mcu-${child.link}`, gw, () => { step(0) })
  }

  /** Checks the radio's use: within its duty cycle, and not overlapping the previous transfer. */
  private radioDone (child: McuChild, gw: number, startMs: number, airtimeMs: number, duty: number): void {
    if (child.link !== 'lora') return
    const endMs = this.c.sim.nowMs
    const used = endMs > startMs ? airtimeMs / (endMs - startMs) : 0
    this.stats.loraDutyMax = Math.max(this.stats.loraDutyMax, used)
    if (used > duty + 1e-9) this.c.violate('lora-duty-cycle', `gateway ${gw}'s radio transmitted ${(100 * used).toFixed(2)}% of the time sending to ${child.identity.id}; its sub-band allows ${100 * duty}%`)
    const last = this.lastRadioUse.get(gw)
    // 1 ms of slack: absolute virtual times near 1.7e12 ms carry ~0.2 µs of rounding per step.
    if (last !== undefined && startMs < last.endMs - 1) this.c.violate('lora-one-transfer-at-a-time', `gateway ${gw}'s radio started a transfer to ${child.identity.id} at ${Math.round(startMs)} ms while the previous one ran until ${Math.round(last.endMs)} ms`)
    this.lastRadioUse.set(gw, { startMs, endMs })
  }
}
