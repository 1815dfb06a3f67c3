/**
 * `fleet-node join --gateway PATH --mcu esp32|stm32 [--baud N] [--mode 8n1|8e1]`: the node is a
 * gateway whose MCUs are fleet devices. Flags are parsed and checked here (each mistake names
 * the flag), the child registry and the child applier (gateway/children) are started, and the
 * children are handed to presence and to the plans.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { SUPPORTED_BAUD_RATES } from '../../../gateway/link/index.js'
import { childApplier, childRegistry, GATEWAY_PORTS_MAX, MCU_KINDS } from '../../../gateway/children/index.js'
import type { ChildApplier, ChildApplierComponents, ChildRegistry, GatewayPortSpec, McuKind } from '../../../gateway/children/index.js'
import { ArtifactNotFoundError } from '../../../content/service/index.js'
import type { ArtifactService } from '../../../content/service/index.js'
import type { ManifestJson } from '../../../content/manifest/index.js'
import type { ComponentLogger } from '../../logging/index.js'
import type { ChildDescription } from '../../mesh/index.js'
import type { ReportDraft } from '../../plans/index.js'
import { systemClock } from '../../ports/index.js'
import { UsageError } from '../args.js'

export const GATEWAY_HELP = `Gateway (MCUs on serial ports become fleet devices, tier 3, parent = this node):
  --gateway PATH        serial port with an MCU running the firmware bridge, repeatable
  --mcu KIND            esp32, stm32 (an MCU running the firmware bridge) or lora (a LoRa modem,
                        gateway/lora/MODEM.md); once for every port, or once per --gateway in order
  --baud N              line rate (default 115200); once, or once per --gateway
  --mode M              8n1 or 8e1 (default 8n1); once, or once per --gateway
  --lora-devices FILE   the end devices a lora port's modem serves (JSON, gateway/lora/README.md);
                        once per lora port, in the order of those ports
  --lora-key FILE       Ed25519 key (PKCS#8 PEM) signing firmware envelopes for the devices; once
                        for every lora port, or once per lora port
`

export interface GatewayFlags {
  gateway?: string[]
  mcu?: string[]
  baud?: string[]
  mode?: string[]
  'lora-devices'?: string[]
  'lora-key'?: string[]
}

/** The ports the flags describe; [] without --gateway. Throws UsageError naming the flag. */
export function parseGatewayPorts (flags: GatewayFlags): GatewayPortSpec[] {
  const paths = flags.gateway ?? []
  if (paths.length === 0) {
    for (const flag of ['mcu', 'baud', 'mode', 'lora-devices', 'lora-key'] as const) {
      if ((flags[flag]?.length ?? 0) > 0) throw new UsageError(`--${flag} applies to a gateway port: give the port with --gateway PATH`, 'join')
    }
    return []
  }
  if (paths.length > GATEWAY_PORTS_MAX) throw new UsageError(`--gateway is given ${paths.length} times; one node drives at most ${GATEWAY_PORTS_MAX} ports`, 'join')
  const dup = paths.find((p, i) => paths.indexOf(p) !== i)
  if (dup !== undefined) throw new UsageError(`--gateway ${dup} is given twice; give each port once`, 'join')
  if (paths.some(p => p.trim() === '')) throw new UsageError('--gateway needs a serial port path such as /dev/ttyUSB0', 'join')
  const pick = (flag: 'mcu' | 'baud' | 'mode', i: number): string | undefined => {
    const values = flags[flag] ?? []
    if (values.length > 1 && values.length !== paths.length) {
      throw new UsageError(`--${flag} is given ${values.length} times for ${paths.length} --gateway ports; give it once for all, or once per port in the same order`, 'join')
    }
    return values.length === 1 ? values[0] : values[i]
  }
  const ports = paths.map((path, i): GatewayPortSpec => {
    const mcu = pick('mcu', i)
    if (mcu == null) throw new UsageError(`--gateway ${path} needs --mcu ${MCU_KINDS.join('|')}: which kind of device is on the port`, 'join')
    if (!(MCU_KINDS as readonly string[]).includes(mcu)) throw new UsageError(`--mcu takes ${MCU_KINDS.join(', ')}, got '${mcu}'`, 'join')
    const baudText = pick('baud', i) ?? '115200'
    const baudRate = Number(baudText)
    if (!/^\d+$/.test(baudText) || !(SUPPORTED_BAUD_RATES as readonly number[]).includes(baudRate)) {
      throw new UsageError(`--baud for ${path} must be one of ${SUPPORTED_BAUD_RATES.join(', ')}, got '${baudText}'`, 'join')
    }
    const mode = (pick('mode', i) ?? '8n1').toLowerCase()
    if (mode !== '8n1' && mode !== '8e1') throw new UsageError(`--mode for ${path} must be 8n1 or 8e1, got '${mode}'`, 'join')
    return { path, mcu: mcu as McuKind, baudRate, mode }
  })
  return withLora(ports, flags['lora-devices'] ?? [], flags['lora-key'] ?? [])
}

/** Pairs --lora-devices and --lora-key with the lora ports, in their order. */
function withLora (ports: GatewayPortSpec[], devices: string[], keys: string[]): GatewayPortSpec[] {
  const lora = ports.filter(p => p.mcu === 'lora')
  if (lora.length === 0) {
    if (devices.length > 0 || keys.length > 0) throw new UsageError(`--${devices.length > 0 ? 'lora-devices' : 'lora-key'} applies to --mcu lora ports, and none is given`, 'join')
    return ports
  }
  if (devices.length !== lora.length) throw new UsageError(`${lora.length} lora port(s) need as many --lora-devices FILE (the end devices each modem serves), got ${devices.length}`, 'join')
  if (keys.length !== 1 && keys.length !== lora.length) throw new UsageError(`lora ports need --lora-key FILE (the Ed25519 key the devices trust), once for all or once per lora port; got ${keys.length}`, 'join')
  return ports.map(p => {
    const i = lora.indexOf(p)
    return i < 0 ? p : { ...p, loraDevices: devices[i] ?? '', loraKey: keys.length === 1 ? keys[0] ?? '' : keys[i] ?? '' }
  })
}

export interface RunningGateway {
  registry: ChildRegistry
  /** The children as presence announces them. */
  children(): ChildDescription[]
  /** The plans' hook: the child applier, once the report outbox is open. */
  attach(outbox: { append(draft: ReportDraft): Promise<unknown> }): Promise<ChildApplier>
  stop(): Promise<void>
}

/**
 * Locks and probes the ports (before the mesh starts: a port held by another process stops the
 * join with FLEET_ERR_PORT_LOCKED before anything else runs).
 */
export async function startGateway (options: {
  ports: GatewayPortSpec[]
  storageDir: string
  gatewayId: string
  gatewayName: string
  logger: ComponentLogger
  onChange(): void
  artifacts: { fetch(manifest: ManifestJson): Promise<string>, markRunning?(manifest: ManifestJson): Promise<void> } & Partial<ChildArtifacts>
}): Promise<RunningGateway> {
  const clock = systemClock()
  const registry = childRegistry({ ports: options.ports, storageDir: options.storageDir })({
    clock, logger: options.logger, gatewayId: options.gatewayId, gatewayName: options.gatewayName, onChange: () => { options.onChange() }
  })
  await registry.start()
  return {
    registry,
    children: () => registry.list().map(child => ({
      deviceId: child.id, name: child.name, platform: child.platform, tier: child.tier, agentVersion: child.firmwareVersion, labels: child.labels
    })),
    attach: async (outbox) => await childApplier(options.storageDir)({
      clock,
      logger: options.logger,
      outbox,
      children: () => registry.list(),
      deviceInfo: id => registry.deviceInfo(id),
      fetchArtifact: async manifest => await options.artifacts.fetch(manifest),
      flash: async (id, image, version, flashOptions) => await registry.update(id, image, version, flashOptions),
      markRunning: async manifest => { await options.artifacts.markRunning?.(manifest) },
      ...(options.artifacts.heldArtifact != null ? { heldArtifact: options.artifacts.heldArtifact } : {}),
      ...(options.artifacts.keepForChildren != null ? { keepForChildren: options.artifacts.keepForChildren } : {})
    }),
    stop: async () => { await registry.stop() }
  }
}

export type ChildArtifacts = Required<Pick<ChildApplierComponents, 'heldArtifact' | 'keepForChildren'>>

/**
 * Delta bases for LoRa children from the node's artifact service: a held version's file, read
 * only when its manifest signature checks against the fleet's keys and the bytes match the
 * manifest's sha256; and `child` pins (content/store) on exactly the versions children run, so
 * GC keeps them whatever the app's `running`/`previous` retention does.
 */
export function childArtifacts (service: Pick<ArtifactService, 'show' | 'list' | 'pin' | 'unpin'>): ChildArtifacts {
  return {
    heldArtifact: async (ref) => {
      let held
      try {
        held = await service.show({ ref })
      } catch (err) {
        if ((err as { code?: string }).code === ArtifactNotFoundError.code) return { missing: `${ref.name}@${ref.version} is not held by this gateway (it was not delivered through it, or was collected)` }
        throw err
      }
      if (!held.signature.ok) return { missing: `${ref.name}@${ref.version}'s manifest does not verify: ${held.signature.message ?? 'no trusted signature'}` }
      if (held.fileBytes == null) return { missing: `${ref.name}@${ref.version} is held as blocks only, without its file` }
      const image = new Uint8Array(await readFile(held.path))
      if (createHash('sha256').update(image).digest('hex') !== held.manifest.sha256.toLowerCase()) return { missing: `${held.path} does not match the sha256 of ${ref.name}@${ref.version}; run fleet-node artifact verify` }
      return { image }
    },
    keepForChildren: async (app, versions) => {
      const listing = await service.list()
      const held = new Set(listing.artifacts.filter(a => a.manifest.name === app).map(a => a.manifest.version))
      const pinnedNow = new Set(listing.pins.filter(p => p.app === app && p.reason === 'child').map(p => p.version))
      const pinned: string[] = []
      const unpinned: string[] = []
      for (const version of versions) {
        if (!held.has(version) || pinnedNow.has(version)) continue
        await service.pin({ name: app, version }, 'child')
        pinned.push(version)
      }
      for (const version of [...pinnedNow].sort()) {
        if (versions.includes(version)) continue
        await service.unpin({ name: app, version }, 'child')
        unpinned.push(version)
      }
      return { pinned, unpinned }
    }
  }
}
