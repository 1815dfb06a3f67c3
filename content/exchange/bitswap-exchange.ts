import { withBitswap } from '@helia/bitswap'
import { sha256 } from 'multiformats/hashes/sha2'
import type { BlockBroker, Helia, HeliaMixin, Routing } from '@helia/interface'
import type { Blockstore } from 'interface-blockstore'
import type { AbortOptions, Libp2p } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { MultihashHasher } from 'multiformats/hashes/interface'

/** Block transport by CID from whichever connected peer has it (IPFS bitswap 1.2). */
export interface BlockExchange {
  /** Fetches one block from connected peers; bitswap checks it against its CID. */
  retrieve(cid: CID, options?: AbortOptions): Promise<Uint8Array>
  /** Tells peers that wanted this block that we now have it. */
  announce(cid: CID, options?: AbortOptions): Promise<void>
  stop(): Promise<void>
}

/**
 * Helia from its parts: @helia/bitswap is written as a mixin on a Helia node, so we hand it
 * the few parts it reads (our libp2p node, our on-disk blockstore, a logger, a hasher loader,
 * a routing that knows no providers — bitswap asks connected peers directly) instead of
 * `createHelia`, whose defaults bring a second libp2p with WebRTC, DHT and HTTP routing.
 * One libp2p per process, as DESIGN.md requires.
 */
export async function bitswapExchange (components: { libp2p: Libp2p, blockstore: Blockstore }): Promise<BlockExchange> {
  const brokers = new Map<string, BlockBroker>()
  const mixins: Array<HeliaMixin<Helia>> = []
  const noProviders: Pick<Routing, 'findProviders'> = {
    findProviders: async function * () {}
  }
  const parts = {
    status: 'starting' as const,
    libp2p: components.libp2p,
    blockstore: components.blockstore,
    logger: components.libp2p.logger,
    routing: noProviders,
    getHasher: (code: number): Promise<MultihashHasher> => code === sha256.code
      ? Promise.resolve(sha256)
      : Promise.reject(new Error(`unsupported multihash 0x${code.toString(16)}: FleetD artifacts use sha2-256`)),
    hasBlockBroker: (name: string) => brokers.has(name),
    addBlockBroker: (broker: BlockBroker) => { brokers.set(broker.name, broker) },
    addMixin: (mixin: HeliaMixin<Helia>) => { mixins.push(mixin) }
  }
  withBitswap(parts as unknown as Parameters<typeof withBitswap>[0])
  for (const mixin of mixins) await mixin.start?.(parts as unknown as Helia)
  const broker = brokers.get('bitswap')
  if (broker?.retrieve == null || broker.announce == null) throw new Error('@helia/bitswap did not register its block broker')
  const retrieve = broker.retrieve.bind(broker)
  const announce = broker.announce.bind(broker)
  return {
    retrieve: async (cid, options) => await retrieve(cid, options),
    announce: async (cid, options) => { await announce(cid, options) },
    stop: async () => { await (broker as unknown as { stop(): Promise<void> }).stop() }
  }
}
