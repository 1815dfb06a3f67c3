import { formatNodeConfig, NODE_CONFIG_VERSION } from '../config/index.js'
import { BOOT_FLEETD_PREFIX, DEVICE_STATE_DIR } from './constants.js'
import type { NodeConfig } from '../config/index.js'
import type { DeviceIdentity } from './device-identity.js'
import type { ProvisionOptions } from './provision-options.js'

/** One change to a file of the boot partition; paths are relative to the partition's root. */
export type BootEdit =
  | { kind: 'write', path: string, content: string | Uint8Array }
  /** Changes an existing file in place; the file must exist (its absence means the wrong image). */
  | { kind: 'edit', path: string, edit: (text: string) => string }

export interface BootPlan {
  edits: BootEdit[]
  /** Lines for the operator (what happens at first boot, what to do by hand). */
  notes: string[]
}

/** Everything the OS-specific planners need for one card. */
export interface CardContext {
  options: ProvisionOptions
  identity: DeviceIdentity
  /** Random one-time value for OS fields that insist on a plaintext password (see dietpi.ts). */
  throwawayPassword: string
  /** Secret shared by every k3s node of the cluster, when the k3s plugin is on. */
  k3sToken?: string
  /** The agent tarball copied onto the card (fleetd-agent.tgz): fleetp's own package, or a local -agent-package .tgz. */
  agentTarball?: { name: string, bytes: Uint8Array }
}

/** The node config fleetp writes: the same schema `fleet-node join --config` reads. */
export function cardNodeConfig (ctx: CardContext): NodeConfig {
  const { options, identity } = ctx
  const labels: Record<string, string> = { ...options.labels, 'provision-id': identity.deviceId }
  for (const p of options.plugins) labels[`plugin-${p.name}`] = p.name === 'k3s' ? p.role : 'on'
  return {
    version: NODE_CONFIG_VERSION,
    name: identity.hostname,
    labels,
    tokenFile: `${DEVICE_STATE_DIR}/token`,
    ...(options.bootstrap.length > 0 ? { bootstrap: options.bootstrap } : {})
  }
}

/** The files every OS gets in `fleetd/`: config, token, plugin secret, agent tarball. */
export function fleetdFiles (ctx: CardContext): BootEdit[] {
  const edits: BootEdit[] = [
    { kind: 'write', path: `${BOOT_FLEETD_PREFIX}config.json`, content: formatNodeConfig(cardNodeConfig(ctx)) },
    { kind: 'write', path: `${BOOT_FLEETD_PREFIX}token`, content: ctx.options.token.trim() + '\n' }
  ]
  if (ctx.k3sToken != null) edits.push({ kind: 'write', path: `${BOOT_FLEETD_PREFIX}k3s-token`, content: ctx.k3sToken + '\n' })
  if (ctx.agentTarball != null) edits.push({ kind: 'write', path: `${BOOT_FLEETD_PREFIX}agent.tgz`, content: ctx.agentTarball.bytes })
  return edits
}

export function agentSpec (ctx: CardContext, bootDir: string): string {
  return ctx.agentTarball != null ? `${bootDir}/${BOOT_FLEETD_PREFIX}agent.tgz` : ctx.options.agentPackage
}
