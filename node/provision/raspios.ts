import { pbkdf2Sync } from 'node:crypto'
import { agentSpec, fleetdFiles } from './boot-plan.js'
import { BOOT_FLEETD_PREFIX, LOGIN_USERS } from './constants.js'
import { installScript } from './install-script.js'
import { shq } from './shell-quote.js'
import type { BootPlan, CardContext } from './boot-plan.js'

/** Raspberry Pi OS (Bookworm) mounts its FAT partition at /boot/firmware. */
const BOOT_DIR = '/boot/firmware'
const FIRSTRUN_ARGS = `systemd.run=${BOOT_DIR}/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target`

/** WPA2 turns the passphrase into the 256-bit PSK with PBKDF2-SHA1(pass, ssid, 4096); the card carries only that. */
export function wpaPsk (ssid: string, pass: string): string {
  if (/^[0-9a-fA-F]{64}$/.test(pass)) return pass.toLowerCase()
  return pbkdf2Sync(pass, ssid, 4096, 32, 'sha1').toString('hex')
}

/**
 * Raspberry Pi OS first boot the way Raspberry Pi Imager does it: `firstrun.sh`, run once by
 * systemd from the kernel command line, sets hostname, user (hashed password through
 * userconf), SSH keys and Wi-Fi (the derived PSK, not the passphrase), then installs a one-shot
 * unit that runs fleetd's install script once the network is up. cmdline.txt is edited in
 * place (one argument list appended), and firstrun.sh removes it again.
 */
export function raspiosBootPlan (ctx: CardContext): BootPlan {
  const { options, identity } = ctx
  const user = LOGIN_USERS.raspios[0]
  const h = identity.hostname
  const lines = [
    '#!/bin/bash',
    '# Written by fleetp (FleetD provisioning), in the shape of Raspberry Pi Imager\'s firstrun.sh.',
    'set +e',
    'CURRENT_HOSTNAME=$(tr -d " \\t\\n\\r" </etc/hostname)',
    `echo ${shq(h)} >/etc/hostname`,
    `sed -i "s/127.0.1.1.*$CURRENT_HOSTNAME/127.0.1.1\\t"${shq(h)}"/g" /etc/hosts`,
    `if [ -x /usr/lib/userconf-pi/userconf ]; then /usr/lib/userconf-pi/userconf ${shq(user)} ${shq(identity.passwordHash)}`,
    `else useradd -m -G sudo ${shq(user)} 2>/dev/null; echo ${shq(`${user}:${identity.passwordHash}`)} | chpasswd -e; fi`
  ]
  if (options.sshKeys.length > 0) {
    lines.push(
      `install -d -m 0700 -o ${shq(user)} -g ${shq(user)} /home/${user}/.ssh`,
      `printf '%s\\n' ${options.sshKeys.map(shq).join(' ')} >/home/${user}/.ssh/authorized_keys`,
      `chown ${shq(user)}:${shq(user)} /home/${user}/.ssh/authorized_keys && chmod 0600 /home/${user}/.ssh/authorized_keys`,
      "echo 'PasswordAuthentication no' >/etc/ssh/sshd_config.d/50-fleetd.conf"
    )
  }
  lines.push('systemctl enable ssh')
  if (options.wifi != null) {
    const { ssid, pass, country } = options.wifi
    lines.push(
      `raspi-config nonint do_wifi_country ${shq(country)} 2>/dev/null || true`,
      'cat >/etc/NetworkManager/system-connections/fleetd-wifi.nmconnection <<\'WIFI\'',
      '[connection]', 'id=fleetd-wifi', 'type=wifi', 'autoconnect=true',
      '[wifi]', 'mode=infrastructure', `ssid=${nmEscape(ssid)}`,
      '[wifi-security]', 'key-mgmt=wpa-psk', `psk=${wpaPsk(ssid, pass)}`,
      '[ipv4]', 'method=auto', '[ipv6]', 'method=auto', 'WIFI',
      'chmod 0600 /etc/NetworkManager/system-connections/fleetd-wifi.nmconnection',
      'rfkill unblock wifi 2>/dev/null || true'
    )
  }
  lines.push(
    "cat >/etc/systemd/system/fleetd-install.service <<'UNIT'",
    '[Unit]', 'Description=FleetD first-boot install (fleetp)', 'Wants=network-online.target', 'After=network-online.target',
    `ConditionPathExists=${BOOT_DIR}/${BOOT_FLEETD_PREFIX}install.sh`,
    '[Service]', 'Type=oneshot', 'SyslogIdentifier=fleetd-install',
    `ExecStart=/bin/bash ${BOOT_DIR}/${BOOT_FLEETD_PREFIX}install.sh`,
    `ExecStartPost=/bin/mv ${BOOT_DIR}/${BOOT_FLEETD_PREFIX}install.sh ${BOOT_DIR}/${BOOT_FLEETD_PREFIX}install.sh.done`,
    '[Install]', 'WantedBy=multi-user.target', 'UNIT',
    'systemctl enable fleetd-install.service',
    `rm -f ${BOOT_DIR}/firstrun.sh`,
    `sed -i 's| systemd.run.*||g' ${BOOT_DIR}/cmdline.txt`,
    'exit 0', ''
  )
  return {
    edits: [
      { kind: 'edit', path: 'cmdline.txt', edit: appendCmdline },
      { kind: 'write', path: 'firstrun.sh', content: lines.join('\n') },
      ...fleetdFiles(ctx),
      { kind: 'write', path: `${BOOT_FLEETD_PREFIX}install.sh`, content: installScript({ options, identity, bootDir: BOOT_DIR, users: [user], agentSpec: agentSpec(ctx, BOOT_DIR) }) }
    ],
    notes: [`Raspberry Pi OS runs firstrun.sh at first boot, reboots, then fleetd-install.service installs fleet-node; log in as '${user}'`]
  }
}

/** cmdline.txt is one line; the first-run arguments go at its end (once, even if fleetp runs twice). */
export function appendCmdline (text: string): string {
  const line = (text.split(/\r?\n/)[0] ?? '').trim()
  if (line.includes('systemd.run=')) return text
  return `${line} ${FIRSTRUN_ARGS}\n`
}

/** NetworkManager keyfiles escape backslash and the list separator. */
function nmEscape (value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll(';', '\\;')
}
