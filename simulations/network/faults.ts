/**
 * Fault schedules, drawn up front from the faults' own PRNG stream: partitions of a site that
 * heal, and churn (nodes leaving and rejoining). Every fault ends by `healMs`, after which the
 * liveness checkers expect convergence.
 */
import type { SimRandom } from '../engine/index.js'
import type { Network } from './network.js'

/** Cuts `site` off from every other site during [fromMs, toMs). */
export function schedulePartition (net: Network, site: number, fromMs: number, toMs: number): void {
  net.sim.at(fromMs, 'fault', -1, () => { net.setSiteCut(site, true) })
  net.sim.at(toMs, 'fault', -1, () => { net.setSiteCut(site, false) })
}

export interface ChurnParams {
  /** Fraction of nodes that leave (once or more) during the window. */
  fraction: number
  fromMs: number
  /** Every node is back by then. */
  healMs: number
  /** Mean time offline (exponential, capped by healMs). */
  offlineMeanMs: number
  /** Nodes that never leave (the coordinator). */
  exempt: ReadonlySet<number>
}

/** Returns the nodes that churn. */
export function scheduleChurn (net: Network, p: ChurnParams, random: SimRandom): number[] {
  const candidates: number[] = []
  for (let i = 0; i < net.size; i++) if (!p.exempt.has(i)) candidates.push(i)
  const churners = random.sample(candidates, Math.round(candidates.length * p.fraction)).sort((a, b) => a - b)
  for (const node of churners) {
    let t = p.fromMs + random.float() * (p.healMs - p.fromMs) * 0.8
    while (t < p.healMs) {
      const back = Math.min(p.healMs, t + random.exponential(p.offlineMeanMs))
      net.sim.at(t, 'fault', node, () => { net.setOnline(node, false) })
      net.sim.at(back, 'fault', node, () => { net.setOnline(node, true) })
      t = back + random.exponential(p.offlineMeanMs * 4)
    }
  }
  return churners
}
