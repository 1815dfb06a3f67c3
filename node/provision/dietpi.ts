import { agentSpec, fleetdFiles } from './boot-plan.js'
import { LOGIN_USERS } from './constants.js'
import { installScript } from './install-script.js'
import { setKeys } from './key-value-file.js'
import { shq } from './shell-quote.js'
import type { BootPlan, CardContext } from './boot-plan.js'

/** DietPi mounts its FAT partition at /boot. */
const BOOT_DIR = '/boot'

/**
 * DietPi's first-boot automation (dietpi.txt, dietpi-wifi.txt, Automation_Custom_Script.sh).
 *
 * The password: DietPi only takes a plaintext `AUTO_SETUP_GLOBAL_PASSWORD`, which would put the
 * operator's password on the card. Instead that key gets a random throwaway nobody is shown
 * (so DietPi's well-known default `dietpi` never works), and the real password is set from its
 * SHA-512 hash with `chpasswd -e` twice: by the pre-script, before the network comes up, and by
 * the custom script, after DietPi's own setup (which applies the throwaway) has run.
 */
export function dietpiBootPlan (ctx: CardContext): BootPlan {
  const { options, identity } = ctx
  const users = LOGIN_USERS.dietpi
  const keys: Array<[string, string | string[]]> = [
    ['AUTO_SETUP_AUTOMATED', '1'],
    ['AUTO_SETUP_NET_HOSTNAME', identity.hostname],
    ['AUTO_SETUP_GLOBAL_PASSWORD', ctx.throwawayPassword],
    ['AUTO_SETUP_CUSTOM_SCRIPT_EXEC', '0'],
    // The install script needs these before it runs; DietPi installs them right before it.
    ['AUTO_SETUP_APT_INSTALLS', 'curl ca-certificates xz-utils'],
    ['AUTO_SETUP_BOOT_WAIT_FOR_NETWORK', '1']
  ]
  if (options.wifi != null) {
    keys.push(['AUTO_SETUP_NET_WIFI_ENABLED', '1'], ['AUTO_SETUP_NET_WIFI_COUNTRY_CODE', options.wifi.country])
  }
  if (options.sshKeys.length > 0) {
    keys.push(['AUTO_SETUP_SSH_PUBKEY', options.sshKeys], ['SOFTWARE_DISABLE_SSH_PASSWORD_LOGINS', '1'])
  }
  const passwordLines = users.map(u => `echo ${shq(`${u}:${identity.passwordHash}`)} | chpasswd -e`)
  const edits: BootPlan['edits'] = [
    { kind: 'edit', path: 'dietpi.txt', edit: text => setKeys(text, keys, '# Added by fleetp (FleetD provisioning)') },
    ...fleetdFiles(ctx),
    { kind: 'write', path: 'Automation_Custom_PreScript.sh', content: ['#!/bin/bash', '# Written by fleetp: the login password from its hash, before the network is up.', 'set -e', ...passwordLines, ''].join('\n') },
    { kind: 'write', path: 'Automation_Custom_Script.sh', content: installScript({ options, identity, bootDir: BOOT_DIR, users, agentSpec: agentSpec(ctx, BOOT_DIR) }) }
  ]
  if (options.wifi != null) {
    const { ssid, pass } = options.wifi
    edits.push({ kind: 'edit', path: 'dietpi-wifi.txt', edit: text => setKeys(text, [['aWIFI_SSID[0]', shq(ssid)], ['aWIFI_KEY[0]', shq(pass)], ['aWIFI_KEYMGR[0]', shq('WPA-PSK')]]) })
  }
  return {
    edits,
    notes: [
      `DietPi runs its automated setup at first boot (several minutes), then Automation_Custom_Script.sh installs fleet-node ${options.agentPackage} and starts it`,
      ...(options.sshKeys.length > 0 ? ['SSH password logins are disabled: log in with the SSH key'] : [])
    ]
  }
}
