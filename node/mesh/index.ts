/**
 * The fleet mesh: one libp2p node per process (TCP, fleet guard over pnet, Noise, yamux,
 * identify, ping, gossipsub, mDNS), a dialer for discovered and bootstrap peers, and presence
 * (announcements and heartbeats on the fleet topic).
 *
 * @example
 * ```ts
 * import { meshNode } from './mesh/index.js'
 * import { consoleLogger } from '../logging/index.js'
 * import { systemClock, systemRandom } from '../ports/index.js'
 * import { generateKeyPair } from '@libp2p/crypto/keys'
 *
 * const node = meshNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })({
 *   clock: systemClock(), random: systemRandom(), logger: consoleLogger(),
 *   privateKey: await generateKeyPair('Ed25519'), storageDir: '/tmp/fleetd-example', agentVersion: '0.1.0'
 * })
 * await node.start()
 * console.log(node.status().addresses)
 * await node.stop()
 * ```
 */
import { DefaultMeshNode } from './mesh-node.js'
import type { RefusalSummary } from './refusal-log.js'
import type { FleetLibp2p } from './libp2p-node.js'
import type { PresenceEntry } from './presence-view.js'
import type { ChildDescription } from './presence-service.js'
import type { ComponentLogger } from '../logging/index.js'
import type { Clock, Random } from '../ports/index.js'
import type { PrivateKey } from '@libp2p/interface'

export interface MeshInit {
  /** Multiaddrs to listen on. @default ['/ip4/0.0.0.0/tcp/4710'] (set by the CLI) */
  listen?: string[]
  /** Discover LAN peers with mDNS. Never enable it outside a network namespace in tests. @default true */
  mdns?: boolean
  /** Peers to keep connected regardless of discovery, as multiaddrs (with /p2p/ id ideally). @default [] */
  bootstrap?: string[]
  /** Presence heartbeat period. @default 10000 */
  heartbeatIntervalMs?: number
  /** Human name of the device. @default '' */
  name?: string
  /** Device labels, gossiped with presence. @default {} */
  labels?: Record<string, string>
  /** DESIGN tier: 1 full OS · 2 embedded Linux · 3 MCU · 4 sensor. @default 1 */
  tier?: number
  /** `os/arch`. @default `${process.platform}/${process.arch}` */
  platform?: string
  /** A gateway's child devices, announced with `parent` = this node every heartbeat. @default none */
  children?: () => ChildDescription[]
}

export interface FleetMembership {
  fleetId: string
  networkKey: Uint8Array
}

export interface MeshComponents {
  clock: Clock
  random: Random
  logger: ComponentLogger
  privateKey: PrivateKey
  storageDir: string
  agentVersion: string
  /** Absent for a node without a join token: it can talk only to other tokenless nodes. */
  membership?: FleetMembership
}

export interface ConnectionInfo {
  peerId: string
  remoteAddr: string
  direction: 'inbound' | 'outbound'
  openedMs: number
}

export interface MeshStatus {
  peerId: string
  fleetId: string | null
  name: string
  agentVersion: string
  startedMs: number
  mdns: boolean
  addresses: string[]
  connections: ConnectionInfo[]
  peers: PresenceEntry[]
  refusals: RefusalSummary
}

export interface MeshNode {
  readonly peerId: string
  readonly libp2p: FleetLibp2p
  start(): Promise<void>
  stop(): Promise<void>
  status(): MeshStatus
  peers(): PresenceEntry[]
  /** Announce this node (and its children) again soon: something in its description changed. */
  announceSoon(): void
}

export function meshNode (init: MeshInit = {}): (components: MeshComponents) => MeshNode {
  return (components) => new DefaultMeshNode(components, init)
}

export { presenceTopic } from './mesh-node.js'
export { DEFAULT_LISTEN_ADDR } from './constants.js'
export { FleetMembershipError, ListenError, MeshConfigError } from './errors.js'
export type { RefusalReason } from './errors.js'
export type { PresenceEntry } from './presence-view.js'
export type { ChildDescription } from './presence-service.js'
export type { FleetLibp2p } from './libp2p-node.js'
