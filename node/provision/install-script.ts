import { BOOT_FLEETD_PREFIX, DEVICE_STATE_DIR } from './constants.js'
import { shq } from './shell-quote.js'
import type { DeviceIdentity } from './device-identity.js'
import type { Plugin, ProvisionOptions } from './provision-options.js'

export interface InstallScriptInit {
  options: ProvisionOptions
  identity: DeviceIdentity
  /** Where the boot partition is mounted on the running device (/boot on DietPi, /boot/firmware on Raspberry Pi OS). */
  bootDir: string
  /** Users whose password is set from the hash. */
  users: readonly string[]
  /** npm spec the device installs: a registry name or a tarball path on the boot partition. */
  agentSpec: string
}

/**
 * The first-boot script every OS runs once, as root, with network up: it moves the config and
 * the secrets off the FAT partition (readable by anyone holding the card) into root-only files,
 * sets the login password from its hash, installs Node.js and fleet-node, installs the plugins
 * and enables the service — with its config, so the agent starts as a member of the fleet
 * (the seed started it with no server and no token).
 */
export function installScript (init: InstallScriptInit): string {
  const { options, identity, bootDir, users } = init
  const card = `${bootDir}/${BOOT_FLEETD_PREFIX}`
  const lines = [
    '#!/bin/bash',
    '# Written by fleetp: installs fleet-node and joins the fleet. Runs once, as root, at first boot.',
    '# Log: journalctl -t fleetd-install (or the OS first-boot log).',
    'set -euo pipefail',
    '# CARD is the name prefix of fleetd\'s files on the boot partition (${CARD}token is /boot/fleetd-token).',
    `CARD=${shq(card)}`,
    `STATE=${shq(DEVICE_STATE_DIR)}`,
    'install -d -m 0700 "$STATE"',
    '# The token and plugin secrets travel on the FAT partition: move them to root-only files.',
    'if [ -f "${CARD}token" ]; then install -m 0600 "${CARD}token" "$STATE/token"; shred -u "${CARD}token" 2>/dev/null || rm -f "${CARD}token"; fi',
    'if [ -f "${CARD}k3s-token" ]; then install -m 0600 "${CARD}k3s-token" "$STATE/k3s-token"; shred -u "${CARD}k3s-token" 2>/dev/null || rm -f "${CARD}k3s-token"; fi',
    'install -m 0644 "${CARD}config.json" "$STATE/config.json"',
    '# Login password from its SHA-512 crypt hash: the plaintext never was on the card.',
    ...users.map(u => `echo ${shq(`${u}:${identity.passwordHash}`)} | chpasswd -e`),
    `NODE_VERSION=${shq(options.nodeVersion)}`,
    'if ! command -v node >/dev/null 2>&1 || [ "$(node --version)" != "v$NODE_VERSION" ]; then',
    '  case "$(uname -m)" in aarch64) arch=arm64 ;; armv7l) arch=armv7l ;; x86_64) arch=x64 ;; *) echo "fleetd: no Node.js build for $(uname -m)" >&2; exit 1 ;; esac',
    '  curl -fsSL --retry 5 "https://nodejs.org/dist/v$NODE_VERSION/node-v$NODE_VERSION-linux-$arch.tar.xz" | tar -xJ -C /usr/local --strip-components=1 --no-same-owner',
    'fi',
    `npm install -g --omit=dev ${shq(init.agentSpec)}`,
    ...options.plugins.flatMap(pluginLines),
    "cat > /etc/systemd/system/fleet-node.service <<'UNIT'",
    '[Unit]',
    'Description=FleetD node agent',
    'Wants=network-online.target',
    'After=network-online.target',
    '[Service]',
    `ExecStart=/usr/local/bin/fleet-node join --config ${DEVICE_STATE_DIR}/config.json --storage-dir ${DEVICE_STATE_DIR}`,
    'Restart=always',
    'RestartSec=5',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
    'systemctl daemon-reload',
    'systemctl enable --now fleet-node.service',
    'echo "fleetd: fleet-node installed and started"',
    ''
  ]
  return lines.join('\n')
}

function pluginLines (plugin: Plugin): string[] {
  if (plugin.name === 'docker') {
    return ['# plugin docker', 'command -v docker >/dev/null 2>&1 || curl -fsSL --retry 5 https://get.docker.com | sh']
  }
  if (plugin.role === 'server') {
    return ['# plugin k3s (server): the cluster token is the one agents are provisioned with',
      'curl -sfL --retry 5 https://get.k3s.io | K3S_TOKEN="$(cat "$STATE/k3s-token")" INSTALL_K3S_EXEC=server sh -']
  }
  return ['# plugin k3s (agent)',
    `curl -sfL --retry 5 https://get.k3s.io | K3S_URL=${shq(plugin.server)} K3S_TOKEN="$(cat "$STATE/k3s-token")" INSTALL_K3S_EXEC=agent sh -`]
}
