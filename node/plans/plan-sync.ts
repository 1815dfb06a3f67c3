/**
 * Anti-entropy of plans on /fleetd/plans-sync/1.0.0 (DESIGN "Partition"): the asker sends
 * what it holds (PlanSummary), the peer answers with every newer unexpired SignedPlan it
 * holds (bounded), one length-prefixed frame each, then an empty frame. Any peer answers,
 * not only the coordinator, so a node that rejoins catches up from whoever is around. The
 * asker verifies every plan it receives like one from gossip; nothing here trusts the peer.
 */
import { lpStream } from '@libp2p/utils'
import { decodePlanSummary, encodePlanSummary, PLAN_SUMMARY_BYTES_MAX, SIGNED_PLAN_BYTES_MAX, WIRE_VERSION } from '../../proto/index.js'
import { PLAN_SYNC_PROTOCOL, SYNC_PLANS_PER_RESPONSE_MAX, SYNC_RESPONSE_BYTES_MAX } from './constants.js'
import type { HeldPlan } from './plan-store.js'
import type { AbortOptions, Libp2p, PeerId, Stream } from '@libp2p/interface'

const END_OF_BATCH = new Uint8Array(0)

/** The plans to send for a summary: unexpired, newer than the asker's, bounded; newest issued first. */
export function plansNewerThan (held: readonly HeldPlan[], summary: ReadonlyMap<string, number>, nowMs: number): Uint8Array[] {
  const newer = held
    .filter(h => h.expiresMs > nowMs && h.seq > (summary.get(h.deploymentId) ?? 0))
    .sort((a, b) => b.issuedMs - a.issuedMs || (a.deploymentId < b.deploymentId ? -1 : 1))
  const out: Uint8Array[] = []
  let bytes = 0
  for (const h of newer) {
    if (out.length >= SYNC_PLANS_PER_RESPONSE_MAX || bytes + h.bytes.length > SYNC_RESPONSE_BYTES_MAX) break
    out.push(h.bytes)
    bytes += h.bytes.length
  }
  return out
}

/** Serving side: reads the asker's summary and answers. Returns the number of plans sent. */
export async function answerSync (stream: Stream, held: () => readonly HeldPlan[], nowMs: () => number, options: Required<AbortOptions>): Promise<number> {
  const lp = lpStream(stream, { maxDataLength: PLAN_SUMMARY_BYTES_MAX })
  const summary = decodePlanSummary(await lp.read(options))
  const seqs = new Map(summary.plans.map(p => [p.deploymentId, p.seq]))
  const frames = plansNewerThan(held(), seqs, nowMs())
  await lp.writeV([...frames, END_OF_BATCH], options)
  await stream.close(options)
  return frames.length
}

/**
 * Asking side: one round with one peer; returns the encoded SignedPlans as the peer sent them.
 * An answer is bounded, so the caller asks again (with its updated summary) while answers
 * bring news. Throws when the peer misbehaves or the stream fails.
 */
export async function requestSync (
  libp2p: Pick<Libp2p, 'dialProtocol'>, peer: PeerId, summary: ReadonlyArray<{ deploymentId: string, seq: number }>, options: Required<AbortOptions>
): Promise<Uint8Array[]> {
  const stream = await libp2p.dialProtocol(peer, PLAN_SYNC_PROTOCOL, options)
  try {
    const lp = lpStream(stream, { maxDataLength: SIGNED_PLAN_BYTES_MAX })
    await lp.write(encodePlanSummary({ version: WIRE_VERSION, plans: [...summary] }), options)
    const frames: Uint8Array[] = []
    let bytes = 0
    for (;;) {
      const frame = await lp.read(options)
      if (frame.byteLength === 0) break
      bytes += frame.byteLength
      if (frames.length >= SYNC_PLANS_PER_RESPONSE_MAX || bytes > SYNC_RESPONSE_BYTES_MAX) {
        throw new Error(`peer sent more than ${SYNC_PLANS_PER_RESPONSE_MAX} plans or ${SYNC_RESPONSE_BYTES_MAX} bytes in one sync answer`)
      }
      frames.push(frame.subarray())
    }
    await stream.close(options)
    return frames
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
