import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { bitswapExchange } from '../exchange/bitswap-exchange.js'
import { manifestFromJson, manifestRef, manifestToJson, verifyManifest } from '../manifest/index.js'
import { diskUsage, exportArtifact, importArtifact, openBlockstore } from '../store/index.js'
import { SwarmService } from '../swarm/index.js'
import type { BlockExchange } from '../exchange/bitswap-exchange.js'
import type { TrustedKey } from '../keys/index.js'
import type { Manifest, ManifestJson } from '../manifest/index.js'
import type { ImportResult, ImportSource } from '../store/index.js'
import type { FetchProgress } from '../swarm/index.js'
import type { ComponentLogger, Logger } from '../../node/logging/index.js'
import type { Clock } from '../../node/ports/index.js'
import type { Libp2p } from '@libp2p/interface'

export interface ArtifactServiceComponents {
  libp2p: Libp2p
  storageDir: string
  clock: Clock
  logger: ComponentLogger
  /** Keys whose manifest signatures this node accepts (from its join token). */
  trustedKeys(): readonly TrustedKey[]
}

export type FetchEvent =
  | { type: 'verified', manifest: string, keyIds: string[] }
  | ({ type: 'progress' } & FetchProgress)
  | { type: 'done', path: string, size: number, sha256: string, blocksFetched: number, bytesFromPeers: number, blocksFromBitswap: number }

export interface ArtifactEntry { manifest: ManifestJson, path: string }

/**
 * The node's artifact store as one service: blockstore on disk, bitswap and the swarm on the
 * mesh's libp2p node, manifests verified against trusted keys before anything is fetched, and
 * files materialised only after their size and sha256 match.
 */
export class ArtifactService {
  private readonly log: Logger

  private constructor (
    private readonly c: ArtifactServiceComponents,
    private readonly blockstore: Awaited<ReturnType<typeof openBlockstore>>,
    private readonly exchange: BlockExchange,
    private readonly swarm: SwarmService
  ) {
    this.log = c.logger.forComponent('fleet:artifacts')
  }

  static async start (c: ArtifactServiceComponents): Promise<ArtifactService> {
    const blockstore = await openBlockstore(c.storageDir)
    const exchange = await bitswapExchange({ libp2p: c.libp2p, blockstore })
    const swarm = new SwarmService({ libp2p: c.libp2p, blockstore, exchange, clock: c.clock, logger: c.logger })
    await swarm.start()
    return new ArtifactService(c, blockstore, exchange, swarm)
  }

  async stop (): Promise<void> {
    await this.swarm.stop()
    await this.exchange.stop()
    await this.blockstore.close()
  }

  /** Imports a file or URL; this node then serves it. The manifest is signed elsewhere. */
  async import (source: ImportSource, options: { signal?: AbortSignal, onProgress?(bytes: number): void } = {}): Promise<ImportResult> {
    const result = await importArtifact({ blockstore: this.blockstore }, source, options)
    this.log.info('imported %s: %d bytes, %d of %d blocks new', result.cid.toString(), result.size, result.newBlocks, result.blocks)
    return result
  }

  /** Records a signed manifest for an artifact this node holds (after an upload). */
  async register (json: unknown): Promise<ManifestJson> {
    const manifest = await this.verified(json)
    await this.saveManifest(manifest)
    return manifestToJson(manifest)
  }

  /** Verify the manifest, fetch its blocks from the fleet, verify the file, put it in place. */
  async * fetch (json: unknown, signal?: AbortSignal): AsyncGenerator<FetchEvent> {
    const manifest = await this.verified(json)
    const verification = await verifyManifest(manifest, this.c.trustedKeys())
    yield { type: 'verified', manifest: manifestRef(manifest), keyIds: verification.keyIds }
    const root = CID.parse(manifest.cid)
    const events: FetchEvent[] = []
    let wake: (() => void) | undefined
    let result: FetchProgress | undefined
    let failure: unknown
    const running = this.swarm.fetch(root, {
      ...(signal != null ? { signal } : {}),
      onProgress: (p) => { events.push({ type: 'progress', ...p }); wake?.() }
    }).then(r => { result = r }, (err: unknown) => { failure = err }).finally(() => { wake?.() })
    while (result == null && failure == null) {
      await new Promise<void>(resolve => {
        if (result != null || failure != null || events.length > 0) resolve()
        else wake = resolve
      })
      wake = undefined
      yield * events.splice(0)
    }
    await running
    yield * events.splice(0)
    if (failure != null) throw failure as Error
    const path = this.artifactPath(manifest)
    await mkdir(join(path, '..'), { recursive: true })
    const exported = await exportArtifact({ blockstore: this.blockstore }, root, {
      expectedSize: manifest.size, expectedSha256: manifest.sha256, destination: path, ...(signal != null ? { signal } : {})
    })
    await this.saveManifest(manifest)
    this.log.info('fetched %s (%s): %d bytes from peers, %d blocks by bitswap', manifestRef(manifest), manifest.cid, result?.bytesFromPeers ?? 0, result?.blocksFromBitswap ?? 0)
    yield {
      type: 'done', path: exported.path, size: exported.size, sha256: Buffer.from(exported.sha256).toString('hex'),
      blocksFetched: result?.blocksHave ?? 0, bytesFromPeers: result?.bytesFromPeers ?? 0, blocksFromBitswap: result?.blocksFromBitswap ?? 0
    }
  }

  async list (): Promise<{ artifacts: ArtifactEntry[], disk: Awaited<ReturnType<typeof diskUsage>>, uploads: Record<string, number> }> {
    const dir = join(this.c.storageDir, 'artifacts', 'manifests')
    const names = await readdir(dir).catch(() => [])
    const artifacts: ArtifactEntry[] = []
    for (const name of names.filter(n => n.endsWith('.json')).sort()) {
      const manifest = manifestFromJson(await readFile(join(dir, name), 'utf8'))
      artifacts.push({ manifest: manifestToJson(manifest), path: this.artifactPath(manifest) })
    }
    return { artifacts, disk: await diskUsage(this.c.storageDir), uploads: this.swarm.uploads() }
  }

  private async verified (json: unknown): Promise<Manifest> {
    const manifest = manifestFromJson(json)
    await verifyManifest(manifest, this.c.trustedKeys())
    return manifest
  }

  private artifactPath (m: Manifest): string {
    return join(this.c.storageDir, 'artifacts', m.name, m.version, m.name)
  }

  private async saveManifest (m: Manifest): Promise<void> {
    const dir = join(this.c.storageDir, 'artifacts', 'manifests')
    await mkdir(dir, { recursive: true })
    const file = join(dir, `${m.name}@${m.version}.json`)
    await writeFile(`${file}.partial`, JSON.stringify(manifestToJson(m), null, 2))
    await rename(`${file}.partial`, file)
  }
}
