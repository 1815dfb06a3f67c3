#!/usr/bin/env node
/** `fleets`: the coordinator and administration CLI. */
import { tokenCommand } from './commands/token-create.js'
import { versionCommand } from './commands/version.js'
import { runCli } from './run-cli.js'

await runCli('fleets', {
  token: { summary: 'create join tokens for devices (token create)', run: tokenCommand },
  version: { summary: 'print the version', run: versionCommand('fleets') }
}, process.argv.slice(2))
