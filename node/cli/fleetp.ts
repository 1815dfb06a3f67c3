#!/usr/bin/env node
/** `fleetp`: writes ready-to-join SD cards and images. */
import { fleetpListCommand } from './commands/fleetp-list.js'
import { fleetpProvisionCommand } from './commands/fleetp-provision.js'
import { versionCommand } from './commands/version.js'
import { runCli } from './run-cli.js'

await runCli('fleetp', {
  list: { summary: 'list the drives a card could be (system disks hidden unless --all)', run: async argv => await fleetpListCommand(argv) },
  provision: { summary: 'write an OS image to cards or image files, verify, and preset the fleet agent, Wi-Fi and keys', run: async argv => await fleetpProvisionCommand(argv) },
  version: { summary: 'print the version', run: versionCommand('fleetp') }
}, process.argv.slice(2))
