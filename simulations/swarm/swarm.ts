/**
 * The artifact swarm at block granularity: every transfer of an artifact between nodes, as the
 * swarm protocol (/fleetd/swarm/1.0.0) does it — a hello with the bitfield each way, requests
 * of the blocks the real scheduler picks, blocks on the sender's uplink (the network's FIFO
 * queues: per-node upload/download, the site's WAN uplink), HAVEs batched per HAVE_BATCH_MS to
 * peers that are not complete, rejects ("elsewhere" from a super-seeding seed, "missing"),
 * request timeouts, the endgame, and a fetch that fails after FETCH_STALL_TIMEOUT_MS without a
 * block. A node that completed keeps its copy and serves it (its store pins it).
 *
 * Not modelled: the bitswap fallback (it asks the same connected peers, so it adds a source only
 * for blocks a non-swarm node holds, which never happens here); a cancel does not withdraw a
 * block already handed to the network (the real link can drop it while queued).
 */
import { ok as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { Bitfield } from '../../content/swarm/bitfield.js'
import { DAG_FETCH_TIMEOUT_MS } from '../../content/swarm/constants.js'
import { BLOCK_OVERHEAD_BYTES, CONTROL_BYTES_BASE, DAG_BYTES_PER_LEAF, HELLO_BYTES_BASE, INDEX_BYTES } from './params.js'
import { SimSession } from './session.js'
import type { DoneCallback, SimLink } from './session.js'
import type { SwarmParams } from './params.js'
import type { Simulation } from '../engine/index.js'
import type { Network, NetworkChange } from '../network/index.js'

export interface ArtifactShape {
  bytes: number
  blocks: number
  blockBytes: number
}

export interface FetchRecord {
  node: number
  key: string
  startMs: number
  /** Virtual ms (absolute) when the fetch completed or failed; undefined while it runs. */
  endMs?: number
  ok?: boolean
  bytesFromPeers: number
}

export interface SwarmStats {
  blocks: number
  requests: number
  rejects: number
  haves: number
  duplicates: number
  timeouts: number
}

export interface SwarmComponents {
  sim: Simulation
  net: Network
  /** The node's tie-break seed; the real node hashes its peer id. @default sha256 of `node-N` */
  rankSeedOf?: (node: number) => number
}

export class ArtifactSwarm {
  readonly fetches: FetchRecord[] = []
  readonly stats: SwarmStats = { blocks: 0, requests: 0, rejects: 0, haves: 0, duplicates: 0, timeouts: 0 }
  /** Bytes each node uploaded per artifact (blocks only). */
  readonly uploaded = new Map<string, Float64Array>()
  private readonly shapes = new Map<string, ArtifactShape>()
  private readonly holders = new Map<string, Uint8Array>()
  private readonly sessions: Array<Map<string, SimSession> | undefined>
  private readonly running = new Map<SimSession, FetchRecord>()
  private readonly sim: Simulation
  private readonly net: Network
  private readonly rankSeedOf: (node: number) => number

  constructor (c: SwarmComponents, readonly params: SwarmParams) {
    this.sim = c.sim
    this.net = c.net
    this.rankSeedOf = c.rankSeedOf ?? ((node) => createHash('sha256').update(`node-${node}`).digest().readUInt32LE(0))
    this.sessions = new Array<Map<string, SimSession> | undefined>(c.net.size)
    c.net.onChange(change => { this.onNetworkChange(change) })
  }

  /** Declares an artifact of `bytes` and which nodes hold it from the start. */
  define (key: string, bytes: number, holders: 'all' | readonly number[]): ArtifactShape {
    const blocks = Math.max(1, Math.min(Math.ceil(bytes / this.params.blockBytes), this.params.blocksMax))
    const shape = { bytes, blocks, blockBytes: bytes / blocks }
    this.shapes.set(key, shape)
    const held = new Uint8Array(this.net.size)
    if (holders === 'all') held.fill(1)
    else for (const n of holders) held[n] = 1
    this.holders.set(key, held)
    this.uploaded.set(key, new Float64Array(this.net.size))
    return shape
  }

  shape (key: string): ArtifactShape | undefined { return this.shapes.get(key) }

  holds (node: number, key: string): boolean { return this.holders.get(key)?.[node] === 1 }

  /** Fetches `key` into `node`; `done` runs once it holds every block or the fetch stalled. */
  fetch (node: number, key: string, done: DoneCallback): void {
    const shape = this.shapes.get(key)
    assert(shape !== undefined, `swarm: artifact ${key} was never defined (ArtifactSwarm.define first)`)
    if (this.holds(node, key)) {
      this.sim.after(0, 'swarm-held', node, () => { done(true) })
      return
    }
    const s = this.session(node, key, shape, false)
    s.waiters.push(done)
    if (s.fetching) return
    s.fetching = true
    s.startedMs = this.sim.nowMs
    s.lastProgressMs = this.sim.nowMs
    const record: FetchRecord = { node, key, startMs: this.sim.nowMs, bytesFromPeers: 0 }
    this.fetches.push(record)
    this.running.set(s, record)
    this.openLinks(s, key)
    this.scheduleTick(s, key)
  }

  private session (node: number, key: string, shape: ArtifactShape, complete: boolean): SimSession {
    let map = this.sessions[node]
    if (map === undefined) {
      map = new Map()
      this.sessions[node] = map
    }
    let s = map.get(key)
    if (s === undefined) {
      s = new SimSession(node, shape.blocks, complete, this.rankSeedOf(node), this.params)
      map.set(key, s)
    }
    return s
  }

  /** Connected peers a fetcher opens swarm streams to (getPeers(), plus the bootstrap coordinator). */
  private openLinks (s: SimSession, key: string): void {
    const node = s.node
    const peers = this.net.topology.peers[node] ?? []
    const candidates = this.params.coordinatorIsBootstrap && node !== 0 && !peers.includes(0) ? [0, ...peers] : peers
    for (const peer of candidates) {
      if (s.links.size + s.dialing.size >= this.params.linksPerSessionMax) break
      if (s.links.has(peer) || s.dialing.has(peer) || !this.net.linkUp(node, peer)) continue
      s.dialing.add(peer)
      const have = new Bitfield(s.blocks, s.have.toBytes())
      const dag = s.dagKnown
      const sent = this.net.send(node, peer, HELLO_BYTES_BASE + have.toBytes().length, 'swarm-hello', () => { this.onHello(peer, node, key, have, dag) })
      if (!sent) s.dialing.delete(peer)
    }
  }

  private onHello (at: number, from: number, key: string, fromHave: Bitfield, fromDag: boolean): void {
    const shape = this.shapes.get(key) as ArtifactShape
    let s = this.sessions[at]?.get(key)
    if (s === undefined && this.holds(at, key)) s = this.session(at, key, shape, true)
    if (s === undefined || (!s.links.has(from) && s.links.size >= this.params.inboundLinksMax)) {
      // "blocks: 0" — this peer cannot serve the artifact (or has no stream left): the link closes.
      this.net.send(at, from, HELLO_BYTES_BASE, 'swarm-hello-none', () => { this.sessions[from]?.get(key)?.dialing.delete(at) })
      return
    }
    const link = s.addLink(from, fromHave)
    const have = new Bitfield(s.blocks, s.have.toBytes())
    const sendsDag = s.dagKnown && !fromDag
    const bytes = HELLO_BYTES_BASE + have.toBytes().length + (sendsDag ? DAG_BYTES_PER_LEAF * s.blocks : 0)
    const sent = this.net.send(at, from, bytes, 'swarm-hello-ack', () => { this.onHelloAck(from, at, key, have, sendsDag) })
    if (!sent) { s.removeLink(from); return }
    // A fetcher dialled by a peer that knows the DAG asks it for the DAG (receiveDag): without
    // it no block can be requested.
    if (!s.dagKnown && fromDag) this.requestDag(s, key, from)
    this.pump(s, key, link)
  }

  private requestDag (s: SimSession, key: string, peer: number): void {
    const blocks = s.blocks
    this.net.send(s.node, peer, HELLO_BYTES_BASE, 'swarm-dag-ask', () => {
      this.net.send(peer, s.node, HELLO_BYTES_BASE + DAG_BYTES_PER_LEAF * blocks, 'swarm-dag', () => {
        if (s.dagKnown) return
        s.dagKnown = true
        this.pump(s, key)
      })
    })
  }

  private onHelloAck (at: number, from: number, key: string, fromHave: Bitfield, dag: boolean): void {
    const s = this.sessions[at]?.get(key)
    if (s === undefined) return
    s.dialing.delete(from)
    if (dag) s.dagKnown = true
    s.addLink(from, fromHave)
    this.pump(s, key)
  }

  private pump (s: SimSession, key: string, only?: SimLink): void {
    if (!s.dagKnown) return
    for (const [link, picks] of s.picks(this.sim.nowMs, only)) {
      this.stats.requests++
      const sent = this.net.send(s.node, link.peer, CONTROL_BYTES_BASE + INDEX_BYTES * picks.length, 'swarm-request', () => { this.onRequest(link.peer, s.node, key, picks) })
      if (!sent) for (const i of picks) s.dropInflight(link, i)
    }
  }

  private onRequest (at: number, from: number, key: string, indices: number[]): void {
    const s = this.sessions[at]?.get(key)
    const link = s?.links.get(from)
    if (s === undefined || link === undefined) return
    const { elsewhere, missing } = s.serve(link, indices)
    this.drainUploads(s, key)
    for (const [list, isMissing] of [[elsewhere, false], [missing, true]] as const) {
      if (list.length === 0) continue
      this.stats.rejects += list.length
      this.net.send(at, from, CONTROL_BYTES_BASE + INDEX_BYTES * list.length, 'swarm-reject', () => {
        const fs = this.sessions[from]?.get(key)
        const fl = fs?.links.get(at)
        if (fs === undefined || fl === undefined) return
        fs.onReject(fl, list, isMissing, this.sim.nowMs)
        this.pump(fs, key)
      })
    }
  }

  /** Hands queued blocks to the network one at a time, links taking turns, so a cancel can still withdraw the rest. */
  private drainUploads (s: SimSession, key: string): void {
    if (s.uploading) return
    const next = s.nextUpload()
    if (next === undefined) return
    const [link, index] = next
    const shape = this.shapes.get(key) as ArtifactShape
    const uploaded = this.uploaded.get(key) as Float64Array
    const bytes = shape.blockBytes + BLOCK_OVERHEAD_BYTES
    const node = s.node
    this.net.send(node, link.peer, bytes, 'swarm-block', () => {
      s.bytesUploaded += shape.blockBytes
      uploaded[node] = (uploaded[node] as number) + shape.blockBytes
      this.onBlock(link.peer, node, key, index)
    })
    s.uploading = true
    this.sim.after((bytes * 8000) / (this.net.topology.uploadBps[node] as number), 'swarm-upload-next', node, () => {
      s.uploading = false
      this.drainUploads(s, key)
    })
  }

  private cancel (s: SimSession, key: string, link: SimLink, indices: number[]): void {
    const peer = link.peer
    this.net.send(s.node, peer, CONTROL_BYTES_BASE + INDEX_BYTES * indices.length, 'swarm-cancel', () => {
      const ps = this.sessions[peer]?.get(key)
      const pl = ps?.links.get(s.node)
      if (ps !== undefined && pl !== undefined) ps.onCancel(pl, indices)
    })
  }

  private onBlock (at: number, from: number, key: string, index: number): void {
    const s = this.sessions[at]?.get(key)
    if (s === undefined) return
    const link = s.links.get(from)
    if (link !== undefined) s.dropInflight(link, index)
    if (s.have.has(index)) {
      this.stats.duplicates++
      this.pump(s, key)
      return
    }
    this.stats.blocks++
    s.have.set(index)
    const blockBytes = (this.shapes.get(key) as ArtifactShape).blockBytes
    s.bytesFromPeers += blockBytes
    s.lastProgressMs = this.sim.nowMs
    const record = this.running.get(s)
    if (record !== undefined) record.bytesFromPeers += blockBytes
    // Endgame duplicates: withdraw the same request from the other peers.
    for (const other of s.links.values()) {
      if (other === link || !other.inflight.has(index)) continue
      s.dropInflight(other, index)
      this.cancel(s, key, other, [index])
    }
    s.pendingHaves.push(index)
    if (!s.haveFlushScheduled) {
      s.haveFlushScheduled = true
      this.sim.after(this.params.haveBatchMs, 'swarm-have-flush', at, () => { this.flushHaves(s, key) })
    }
    if (s.complete) this.finish(s, true)
    else this.pump(s, key)
  }

  private flushHaves (s: SimSession, key: string): void {
    s.haveFlushScheduled = false
    const indices = s.pendingHaves.splice(0)
    if (indices.length === 0) return
    const site = this.net.topology.site
    const lan: number[] = []
    const bytes = CONTROL_BYTES_BASE + INDEX_BYTES * indices.length
    const deliver = (to: number): void => {
      const ts = this.sessions[to]?.get(key)
      const link = ts?.links.get(s.node)
      if (ts === undefined || link === undefined) return
      this.stats.haves++
      ts.onHave(link, indices)
      this.pump(ts, key, link)
    }
    for (const link of s.links.values()) {
      if (link.have.complete) continue
      if (site[link.peer] === site[s.node]) lan.push(link.peer)
      else this.net.send(s.node, link.peer, bytes, 'swarm-have', () => { deliver(link.peer) })
    }
    if (lan.length > 0) this.net.sendLanBatch(s.node, lan, bytes, 'swarm-have', deliver)
  }

  private scheduleTick (s: SimSession, key: string): void {
    if (s.tickScheduled) return
    s.tickScheduled = true
    this.sim.after(this.params.tickMs, 'swarm-tick', s.node, () => {
      s.tickScheduled = false
      if (!s.fetching) return
      const now = this.sim.nowMs
      for (const [link, expired] of s.expire(now)) {
        this.stats.timeouts += expired.length
        this.cancel(s, key, link, expired)
      }
      if (now - s.lastProgressMs >= this.params.stallTimeoutMs) {
        this.finish(s, false, `no block of ${key} arrived for ${Math.round(this.params.stallTimeoutMs / 1000)} s: ${s.have.count} of ${s.blocks} blocks held, ${s.links.size} swarm peers`)
        return
      }
      // New connections (a peer back online, a healed site) get a stream, as peer:connect does.
      this.openLinks(s, key)
      // No DAG yet (every peer lacked it when we linked): ask a linked peer that has it now,
      // as dagFromPeers asks peers in turn, one at a time (DAG_FETCH_TIMEOUT_MS each).
      if (!s.dagKnown && now - s.dagAskedMs >= DAG_FETCH_TIMEOUT_MS) {
        const peer = [...s.links.keys()].find(p => this.sessions[p]?.get(key)?.dagKnown === true)
        if (peer !== undefined) {
          s.dagAskedMs = now
          this.requestDag(s, key, peer)
        }
      }
      this.pump(s, key)
      this.scheduleTick(s, key)
    })
  }

  private finish (s: SimSession, ok: boolean, error?: string): void {
    s.fetching = false
    const record = this.running.get(s)
    this.running.delete(s)
    if (record !== undefined) {
      record.endMs = this.sim.nowMs
      record.ok = ok
    }
    if (ok) {
      const held = this.holders.get(record?.key ?? '')
      if (held !== undefined) held[s.node] = 1
    }
    for (const done of s.waiters.splice(0)) done(ok, error)
  }

  /** A stream dies with its connection: both ends drop the link and ask elsewhere. */
  private onNetworkChange (change: NetworkChange): void {
    const t = this.net.topology
    if (change.type === 'node' ? change.online : !change.cut) return // new links come with the next tick
    const nodes = change.type === 'node' ? [change.node] : t.members[change.site] ?? []
    for (const node of nodes) {
      for (const [key, s] of this.sessions[node] ?? []) {
        for (const peer of [...s.links.keys()]) {
          if (this.net.linkUp(node, peer)) continue
          s.removeLink(peer)
          const other = this.sessions[peer]?.get(key)
          other?.removeLink(node)
          if (other !== undefined) this.pump(other, key)
        }
        s.dialing.clear()
        this.pump(s, key)
      }
    }
  }
}
