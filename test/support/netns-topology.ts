/**
 * What a host network looks like, as `ip -batch` scripts, plus the check that it works. The
 * scripts run with `ip -n <namespace>`, so every interface is created directly inside a test
 * namespace: the veth pair is born in the switch namespace with its peer in the host namespace,
 * and not even a temporary interface ever appears in the root namespace.
 */
import { ip } from './netns-exec.js'
import type { Host } from './netns-host.js'
import { BRIDGE_IFNAME, IFNAME_CHARS_MAX, SUBNET_PREFIX_LENGTH } from './netns-constants.js'

/** The /24 of 198.18.0.0/15 with this index (0..511), e.g. 7 → '198.18.7.0/24', 300 → '198.19.44.0/24'. */
export function subnetOf (subnetIndex: number): string {
  return `198.${18 + Math.floor(subnetIndex / 256)}.${subnetIndex % 256}.0/${SUBNET_PREFIX_LENGTH}`
}

/** The bridge port (switch side of the veth) of a host. */
export function portName (host: Host): string {
  const name = `p${host.index}`
  if (name.length > IFNAME_CHARS_MAX) throw new Error(`interface name ${name} is longer than ${IFNAME_CHARS_MAX}`)
  return name
}

/** Switch-namespace script: (optionally) the bridge, then one veth per host plugged into it. */
export function switchPlan (hosts: readonly Host[], withBridge: boolean): string {
  // mcast_snooping 0: without an IGMP querier on the bridge, snooping can stop forwarding
  // multicast groups; flooding keeps mDNS working. STP is off by default, so ports forward at once.
  const bridge = withBridge ? [`link add ${BRIDGE_IFNAME} type bridge mcast_snooping 0`, `link set ${BRIDGE_IFNAME} up`] : []
  const ports = hosts.flatMap((h) => [
    `link add ${portName(h)} type veth peer name ${h.iface} netns ${h.ns}`,
    `link set ${portName(h)} master ${BRIDGE_IFNAME} up`
  ])
  return [...bridge, ...ports].join('\n') + '\n'
}

/** Host-namespace script: loopback, the address, and the multicast route mDNS needs. */
export function hostPlan (host: Host): string {
  return [
    'link set lo up',
    `addr add ${host.address}/${SUBNET_PREFIX_LENGTH} dev ${host.iface}`,
    `link set ${host.iface} up`,
    // There is no default route in a test host, so without this, sending to 224.0.0.251 fails
    // with ENETUNREACH and mDNS sees nobody.
    `route add 224.0.0.0/4 dev ${host.iface}`
  ].join('\n') + '\n'
}

/**
 * Every bridge port must have carrier (which a veth has only when both ends are up), and host 0
 * must reach host 1: one cheap end-to-end check that the bridge forwards at all.
 */
export async function verifyNetwork (switchNs: string, hosts: readonly Host[]): Promise<void> {
  const ports = await ip(['-n', switchNs, '-o', 'link', 'show', 'master', BRIDGE_IFNAME])
  const down = hosts.filter((h) => {
    const line = ports.split('\n').find((l) => l.includes(` ${portName(h)}@`))
    return line === undefined || !/[<,]LOWER_UP[,>]/.test(line)
  })
  if (down.length > 0) throw new Error(`bridge ports without carrier in ${switchNs}: ${down.map(portName).join(', ')}`)
  const [first, second] = hosts
  if (first === undefined || second === undefined) return
  const ping = await first.ping(second.address)
  if (!ping.reachable) throw new Error(`${first.name} (${first.address}) cannot reach ${second.name} (${second.address}) by ${ping.method}`)
}
