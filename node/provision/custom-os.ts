import { agentSpec, fleetdFiles } from './boot-plan.js'
import { BOOT_FLEETD_PREFIX } from './constants.js'
import { installScript } from './install-script.js'
import type { BootPlan, CardContext } from './boot-plan.js'

/**
 * An OS fleetp knows nothing about: it gets the fleetd files and the install script on its
 * boot partition, and the operator hooks the script into that OS's first boot.
 */
export function customBootPlan (ctx: CardContext): BootPlan {
  return {
    edits: [
      ...fleetdFiles(ctx),
      { kind: 'write', path: `${BOOT_FLEETD_PREFIX}install.sh`, content: installScript({ options: ctx.options, identity: ctx.identity, bootDir: '/boot', users: ['root'], agentSpec: agentSpec(ctx, '/boot') }) }
    ],
    notes: [`-os custom: fleetp does not know this OS's first boot; run 'bash /boot/${BOOT_FLEETD_PREFIX}install.sh' as root once (adjust CARD= if the boot partition is mounted elsewhere). Wi-Fi and SSH keys are not applied`]
  }
}
