/**
 * Simulated multi-host networks for integration tests (DESIGN.md "Network safety on development
 * machines"): N hosts, each a network namespace whose eth0 is a veth into a bridge that lives in
 * its own "switch" namespace, so the root namespace never gains an interface, a route or a packet.
 *
 * @example
 * const support = await netnsSupport()
 * describe.skipIf(!support.ok)('mesh', () => {
 *   it('discovers peers', async () => {
 *     await withHostNetwork({ count: 3 }, async ({ hosts }) => {
 *       const node = hosts[0]!.spawn(process.execPath, ['node/cli/fleet-node.ts'])
 *       // … assertions; everything is killed and removed when this callback ends or throws
 *     })
 *   })
 * })
 */
import { ip, run } from './netns-exec.js'
import { Host } from './netns-host.js'
import { addNamespaces, namespaceTag, removeNamespaces } from './netns-registry.js'
import { hostPlan, switchPlan, subnetOf, verifyNetwork } from './netns-topology.js'
import { HOSTS_PER_NETWORK_MAX, SETUP_CONCURRENCY, SUBNET_INDEX_MAX } from './netns-constants.js'

export { Host, type ExecOptions, type ExecResult, type PingResult, type SpawnOptions } from './netns-host.js'
export { NetnsCommandError } from './netns-exec.js'
export { listNamespaces, removeStaleNamespaces } from './netns-registry.js'
export { waitForExit, waitForLine } from './netns-logs.js'

export type NetnsSupport = { ok: true } | { ok: false, reason: string }

export interface HostNetworkInit {
  /** Hosts to create, 1..HOSTS_PER_NETWORK_MAX. */
  count: number
  /** A short label added to namespace names (alphanumerics, cut to LABEL_CHARS_MAX). */
  prefix?: string
  /** Which /24 of 198.18.0.0/15 to use, 0..511. @default a pid-and-counter based index */
  subnetIndex?: number
  /** Check that links are up and host 0 reaches host 1 before returning. @default true */
  verify?: boolean
}

export interface HostNetwork {
  /** `fdt-<pid>-<random>[-prefix]`: the start of every namespace name of this network. */
  readonly tag: string
  readonly switchNs: string
  /** e.g. '198.18.7.0/24' */
  readonly subnet: string
  readonly hosts: readonly Host[]
  /** Adds a host that joins later (say, to test discovery of a newcomer). */
  addHost: () => Promise<Host>
  /** Kills every process in the network's namespaces and deletes them; idempotent. */
  destroy: () => Promise<void>
}

/** Whether this machine can run the netns tests, and if not exactly why (for skip messages). */
export async function netnsSupport (): Promise<NetnsSupport> {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux, this is ${process.platform}` }
  const uid = process.getuid?.()
  if (uid !== 0) return { ok: false, reason: `creating network namespaces needs root, running as uid ${uid}` }
  const version = await run('ip', ['-V'], { timeoutMs: 5_000 }).catch((error: Error) => error)
  if (version instanceof Error) return { ok: false, reason: `\`ip\` (iproute2) cannot be run: ${version.message}` }
  const probe = namespaceTag('probe')
  try {
    await addNamespaces([probe])
    await ip(['-n', probe, '-batch', '-'], 'link add pv0 type veth peer name pv1\nlink add pb0 type bridge\n')
    return { ok: true }
  } catch (error) {
    return { ok: false, reason: `cannot create a namespace with a veth pair and a bridge: ${(error as Error).message}` }
  } finally {
    await removeNamespaces([probe])
  }
}

let networksCreated = 0

/** Creates the network; on any failure it removes whatever it had created and rethrows. */
export async function createHostNetwork (init: HostNetworkInit): Promise<HostNetwork> {
  const { count, verify = true } = init
  if (!Number.isInteger(count) || count < 1 || count > HOSTS_PER_NETWORK_MAX) {
    throw new RangeError(`count must be an integer 1..${HOSTS_PER_NETWORK_MAX}, got ${count}`)
  }
  // Separate bridges never exchange packets, so distinct subnets are not needed for isolation;
  // they keep addresses in logs unambiguous when several networks run at once.
  const subnetIndex = init.subnetIndex ?? (process.pid * 31 + networksCreated++) % (SUBNET_INDEX_MAX + 1)
  if (!Number.isInteger(subnetIndex) || subnetIndex < 0 || subnetIndex > SUBNET_INDEX_MAX) {
    throw new RangeError(`subnetIndex must be an integer 0..${SUBNET_INDEX_MAX}, got ${subnetIndex}`)
  }
  const network = new DefaultHostNetwork(namespaceTag(init.prefix), subnetIndex)
  try {
    await network.build(count)
    if (verify) await verifyNetwork(network.switchNs, network.hosts)
    return network
  } catch (error) {
    await network.destroy()
    throw error
  }
}

/** Runs `body` with a fresh network and destroys it afterwards, also when `body` throws. */
export async function withHostNetwork<T> (init: HostNetworkInit, body: (network: HostNetwork) => Promise<T>): Promise<T> {
  const network = await createHostNetwork(init)
  try {
    return await body(network)
  } finally {
    await network.destroy()
  }
}

class DefaultHostNetwork implements HostNetwork {
  readonly switchNs: string
  readonly subnet: string
  readonly hosts: Host[] = []
  private destroying: Promise<void> | undefined

  constructor (readonly tag: string, private readonly subnetIndex: number) {
    this.switchNs = `${tag}-sw`
    this.subnet = subnetOf(subnetIndex)
  }

  async build (count: number): Promise<void> {
    const hosts = Array.from({ length: count }, (_, i) => this.newHost(i))
    this.hosts.push(...hosts) // before creation, so destroy() covers a half-built network
    await addNamespaces([this.switchNs, ...hosts.map((h) => h.ns)])
    await ip(['-n', this.switchNs, '-batch', '-'], switchPlan(hosts, true))
    for (let i = 0; i < hosts.length; i += SETUP_CONCURRENCY) {
      await Promise.all(hosts.slice(i, i + SETUP_CONCURRENCY).map(async (h) => await ip(['-n', h.ns, '-batch', '-'], hostPlan(h))))
    }
  }

  async addHost (): Promise<Host> {
    if (this.destroying !== undefined) throw new Error(`network ${this.tag} is destroyed`)
    if (this.hosts.length >= HOSTS_PER_NETWORK_MAX) throw new RangeError(`a network holds at most ${HOSTS_PER_NETWORK_MAX} hosts`)
    const host = this.newHost(this.hosts.length)
    this.hosts.push(host)
    try {
      await addNamespaces([host.ns])
      await ip(['-n', this.switchNs, '-batch', '-'], switchPlan([host], false))
      await ip(['-n', host.ns, '-batch', '-'], hostPlan(host))
      return host
    } catch (error) {
      // Leave the network as it was: a half-made host in `hosts` would only confuse the test.
      this.hosts.splice(this.hosts.indexOf(host), 1)
      await removeNamespaces([host.ns])
      throw error
    }
  }

  async destroy (): Promise<void> {
    this.destroying ??= removeNamespaces([...this.hosts.map((h) => h.ns), this.switchNs])
    await this.destroying
  }

  private newHost (index: number): Host {
    const [a, b, c] = this.subnet.split('.')
    return new Host(index, `h${index}`, `${this.tag}-h${index}`, `${a}.${b}.${c}.${index + 1}`)
  }
}
