import { CID } from 'multiformats/cid'
import { bitswapExchange } from '../exchange/bitswap-exchange.js'
import { manifestFromJson, manifestRef, manifestToJson, verifyManifest } from '../manifest/index.js'
import { BlockMissingError, exportArtifact, importArtifact, missingBlocks, openBlockstore, openPinStore, RETAIN_PER_APP_DEFAULT } from '../store/index.js'
import { SwarmService } from '../swarm/index.js'
import { details, listing, pinsOf } from './artifact-queries.js'
import { collect } from './collect.js'
import { RETAIN_PER_APP_MAX } from './constants.js'
import { ArtifactNotFoundError } from './errors.js'
import { pumpEvents } from './event-pump.js'
import { ManifestDir } from './manifest-dir.js'
import { StoreLock } from './store-lock.js'
import { UnregisteredImports } from './unregistered-imports.js'
import { verifyStored } from './verify-stored.js'
import type { QueryComponents } from './artifact-queries.js'
import type { ArtifactRef } from './manifest-dir.js'
import type { ArtifactDetails, ArtifactListing, FetchEvent, GcReport, PinJson, VerifyEvent } from './types.js'
import type { BlockExchange } from '../exchange/bitswap-exchange.js'
import type { TrustedKey } from '../keys/index.js'
import type { Manifest, ManifestJson, ManifestVerification } from '../manifest/index.js'
import type { ImportResult, ImportSource, PinReason, PinStore } from '../store/index.js'
import type { FetchProgress } from '../swarm/index.js'
import type { ComponentLogger, Logger } from '../../node/logging/index.js'
import type { Clock } from '../../node/ports/index.js'
import type { Libp2p } from '@libp2p/interface'
import type { FsBlockstore } from 'blockstore-fs'

export interface ArtifactServiceComponents {
  libp2p: Libp2p
  storageDir: string
  clock: Clock
  logger: ComponentLogger
  /** Keys whose manifest signatures this node accepts (from its join token). */
  trustedKeys(): readonly TrustedKey[]
}

export interface ArtifactServiceInit {
  /** Previous versions of each app kept besides the running one. @default RETAIN_PER_APP_DEFAULT (2) */
  retainPerApp?: number
}

/**
 * The node's artifact store as one service: blockstore on disk, bitswap and the swarm on the
 * mesh's libp2p node, manifests verified against trusted keys before anything is fetched, files
 * materialised only after their size and sha256 match, and pins that decide what GC keeps.
 *
 * Pins: a registered upload is `previous` (kept as one of the newest `retainPerApp` versions of
 * its app) or, with `keep`, `manual`; a fetch pins `plan` before its first block arrives and
 * `previous` once verified; the agent marks what runs with `pin(ref, 'running')`.
 */
export class ArtifactService {
  private readonly log: Logger
  private readonly lock = new StoreLock()
  private readonly manifests: ManifestDir
  private readonly unregistered: UnregisteredImports

  private constructor (
    private readonly c: ArtifactServiceComponents,
    private readonly blockstore: FsBlockstore,
    private readonly pins: PinStore,
    private readonly exchange: BlockExchange,
    private readonly swarm: SwarmService
  ) {
    this.log = c.logger.forComponent('fleet:artifacts')
    this.manifests = new ManifestDir(c.storageDir)
    this.unregistered = new UnregisteredImports(c.clock)
  }

  static async start (c: ArtifactServiceComponents, init: ArtifactServiceInit = {}): Promise<ArtifactService> {
    const retainPerApp = init.retainPerApp ?? RETAIN_PER_APP_DEFAULT
    if (!Number.isSafeInteger(retainPerApp) || retainPerApp < 0 || retainPerApp > RETAIN_PER_APP_MAX) {
      throw new RangeError(`retainPerApp must be an integer from 0 to ${RETAIN_PER_APP_MAX}, got ${retainPerApp}`)
    }
    const blockstore = await openBlockstore(c.storageDir)
    let pins: PinStore | undefined
    try {
      pins = await openPinStore(c.storageDir, { retainPerApp })
      const exchange = await bitswapExchange({ libp2p: c.libp2p, blockstore })
      const swarm = new SwarmService({ libp2p: c.libp2p, blockstore, exchange, clock: c.clock, logger: c.logger })
      await swarm.start()
      const service = new ArtifactService(c, blockstore, pins, exchange, swarm)
      await service.adoptUnpinned()
      return service
    } catch (err) {
      await pins?.close()
      await blockstore.close()
      throw err
    }
  }

  async stop (): Promise<void> {
    await this.swarm.stop()
    await this.exchange.stop()
    await this.pins.close()
    await this.blockstore.close()
  }

  /** Imports a file or URL; this node then serves it. GC spares it until its manifest is registered (or a grace period ends). */
  async import (source: ImportSource, options: { signal?: AbortSignal, onProgress?(bytes: number): void } = {}): Promise<ImportResult> {
    return await this.lock.with('shared', async () => {
      const result = await importArtifact({ blockstore: this.blockstore }, source, options)
      this.unregistered.add(result.cid)
      this.log.info('imported %s: %d bytes, %d of %d blocks new', result.cid.toString(), result.size, result.newBlocks, result.blocks)
      return result
    }, options)
  }

  /**
   * Records a signed manifest for an artifact whose blocks this node holds (after an upload) and
   * pins it: `previous`, so the newest `retainPerApp` uploads of an app stay, or `manual` with `keep`.
   */
  async register (json: unknown, options: { keep?: boolean } = {}): Promise<ManifestJson> {
    const { manifest } = await this.verified(json)
    return await this.lock.with('shared', async () => {
      const root = CID.parse(manifest.cid)
      const { missing } = await missingBlocks({ blockstore: this.blockstore }, root)
      if (missing[0] != null) throw new BlockMissingError(missing[0])
      await this.manifests.save(manifest)
      await this.pinVerified(manifest, options.keep === true ? 'manual' : 'previous')
      this.unregistered.delete(root)
      return manifestToJson(manifest)
    }, { urgent: true })
  }

  /** Verify the manifest, pin it `plan`, fetch its blocks from the fleet, verify the file, put it in place, pin it `previous`. */
  async * fetch (json: unknown, signal?: AbortSignal, options: { stallTimeoutMs?: number } = {}): AsyncGenerator<FetchEvent> {
    const { manifest, verification } = await this.verified(json)
    const release = await this.lock.acquire('shared', { signal })
    try {
      // Pinned before the first block arrives: GC between two attempts keeps what was fetched (resume).
      const planned = await this.pinIfAbsent(manifest, 'plan')
      yield { type: 'verified', manifest: manifestRef(manifest), keyIds: verification.keyIds }
      const root = CID.parse(manifest.cid)
      const result: FetchProgress = yield * pumpEvents<FetchEvent, FetchProgress>(async emit => await this.swarm.fetch(root, {
        ...(signal != null ? { signal } : {}),
        ...(options.stallTimeoutMs != null ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
        onProgress: (p) => { emit({ type: 'progress', ...p }) }
      }))
      const path = this.manifests.artifactPath(manifest)
      const exported = await exportArtifact({ blockstore: this.blockstore }, root, {
        expectedSize: manifest.size, expectedSha256: manifest.sha256, destination: path, ...(signal != null ? { signal } : {})
      })
      await this.manifests.save(manifest)
      await this.pinVerified(manifest, 'previous')
      // A plan pin made by someone else (the agent's deployment) stays until they drop it.
      if (planned) await this.pins.unpin({ app: manifest.name, version: manifest.version, reason: 'plan' })
      this.log.info('fetched %s (%s): %d bytes from peers, %d blocks by bitswap', manifestRef(manifest), manifest.cid, result.bytesFromPeers, result.blocksFromBitswap)
      yield {
        type: 'done', path: exported.path, size: exported.size, sha256: Buffer.from(exported.sha256).toString('hex'),
        blocksFetched: result.blocksHave, bytesFromPeers: result.bytesFromPeers, blocksFromBitswap: result.blocksFromBitswap
      }
    } finally {
      release()
    }
  }

  /** Every artifact held with its pins, every pin, and disk usage. */
  async list (): Promise<ArtifactListing> {
    return await listing(this.queries(), this.swarm.uploads())
  }

  /**
   * One artifact by `name@version` or by root CID (the newest version with that CID). Like
   * `list`, a read without the store lock: a running GC may make it report blocks as missing.
   */
  async show (query: { ref: ArtifactRef } | { cid: string }): Promise<ArtifactDetails> {
    return await details(this.queries(), query)
  }

  /** Re-checks a held artifact: signatures, every block, the materialised file, the content. */
  async * verify (ref: ArtifactRef, signal?: AbortSignal): AsyncGenerator<VerifyEvent> {
    const manifest = await this.load(ref)
    const release = await this.lock.acquire('shared', { signal })
    try {
      const report = yield * pumpEvents<VerifyEvent, Awaited<ReturnType<typeof verifyStored>>>(async emit => await verifyStored(
        { blockstore: this.blockstore, trustedKeys: this.c.trustedKeys() }, manifest,
        { path: this.manifests.artifactPath(manifest), ...(signal != null ? { signal } : {}), onProgress: (blocksChecked, blocks) => { emit({ type: 'progress', blocksChecked, blocks }) } }
      ))
      if (!report.ok) this.log.warn('verify %s: %s', report.ref, report.problems.map(p => p.message).join('; '))
      yield { type: 'done', ...report }
    } finally {
      release()
    }
  }

  /** Collects blocks and versions no pin keeps, with imports and fetches held off meanwhile. */
  async gc (options: { dryRun?: boolean, signal?: AbortSignal } = {}): Promise<GcReport> {
    return await this.lock.with('exclusive', async () => {
      const report = await collect({ storageDir: this.c.storageDir, blockstore: this.blockstore, pins: this.pins, manifests: this.manifests }, {
        ...options, extraRetained: this.unregistered.asPins()
      })
      if (!report.dryRun) this.log.info('gc: %d blocks (%d bytes) deleted, %d versions removed', report.deletedBlocks, report.freedBytes, report.removedArtifacts.length)
      return report
    }, options)
  }

  /**
   * Pins a held version. `running` goes through the pin store's `setRunning`: the version it
   * replaces becomes `previous`, and previous versions beyond the policy lose their pins.
   */
  async pin (ref: ArtifactRef, reason: PinReason): Promise<PinJson[]> {
    const manifest = await this.load(ref)
    return await this.lock.with('shared', async () => {
      await this.pinVerified(manifest, reason)
      return pinsOf(this.pins, ref)
    }, { urgent: true })
  }

  /** @returns whether such a pin existed */
  async unpin (ref: ArtifactRef, reason: PinReason): Promise<boolean> {
    return await this.lock.with('shared', async () => await this.pins.unpin({ app: ref.name, version: ref.version, reason }), { urgent: true })
  }

  private queries (): QueryComponents {
    return { storageDir: this.c.storageDir, blockstore: this.blockstore, pins: this.pins, manifests: this.manifests, trustedKeys: this.c.trustedKeys() }
  }

  private async pinVerified (m: Manifest, reason: PinReason): Promise<void> {
    const cid = CID.parse(m.cid)
    const atMs = this.c.clock.nowMs()
    if (reason === 'running') await this.pins.setRunning({ app: m.name, version: m.version, cid, atMs })
    else await this.pins.pin({ app: m.name, version: m.version, cid, reason, atMs })
  }

  /** @returns whether this call made the pin */
  private async pinIfAbsent (m: Manifest, reason: PinReason): Promise<boolean> {
    if (this.pins.list().some(p => p.app === m.name && p.version === m.version && p.reason === reason)) return false
    await this.pinVerified(m, reason)
    return true
  }

  private async load (ref: ArtifactRef): Promise<Manifest> {
    const manifest = await this.manifests.load(ref)
    if (manifest == null) throw new ArtifactNotFoundError(`this node holds no artifact ${manifestRef(ref)}; see fleet-node artifact list, or fetch it first`)
    return manifest
  }

  private async verified (json: unknown): Promise<{ manifest: Manifest, verification: ManifestVerification }> {
    const manifest = manifestFromJson(json)
    return { manifest, verification: await verifyManifest(manifest, this.c.trustedKeys()) }
  }

  /**
   * Manifests saved before pins existed (or whose pins were lost) would be collected by the first
   * GC; they are adopted as `previous`, by creation time, so the policy decides instead.
   */
  private async adoptUnpinned (): Promise<void> {
    const pinned = new Set(this.pins.list().map(p => manifestRef({ name: p.app, version: p.version })))
    for (const m of await this.manifests.list()) {
      if (pinned.has(manifestRef(m))) continue
      await this.pins.pin({ app: m.name, version: m.version, cid: CID.parse(m.cid), reason: 'previous', atMs: m.createdMs })
      this.log.info('adopted %s (no pin) as a previous version', manifestRef(m))
    }
  }
}
