import type { Helia } from '@helia/interface'
import type { Libp2p, ServiceMap } from '@libp2p/interface'

/** The only type @helia/bitswap imports from @helia/libp2p. */
export interface HeliaWithLibp2p<T extends Libp2p = Libp2p<ServiceMap>> extends Helia {
  libp2p: T
}
