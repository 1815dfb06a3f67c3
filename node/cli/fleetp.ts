#!/usr/bin/env node
/** `fleetp`: writes ready-to-join SD cards and images. */
import { versionCommand } from './commands/version.js'
import { runCli } from './run-cli.js'

await runCli('fleetp', {
  version: { summary: 'print the version', run: versionCommand('fleetp') }
}, process.argv.slice(2))
