#!/usr/bin/env node
/** `fleets`: the coordinator and administration CLI. */
import { keysCommand } from './commands/keys.js'
import { auditCommand } from './commands/audit-command.js'
import { alertsCommand } from './commands/alerts-command.js'
import { devicesCommand } from './commands/devices-command.js'
import { appCommand } from './commands/app-command.js'
import { deployCommand } from './commands/deploy-command.js'
import { artifactCommand } from './commands/artifact.js'
import { tokenCommand } from './commands/token-create.js'
import { versionCommand } from './commands/version.js'
import { runCli } from './run-cli.js'
import { serverCommand } from './commands/server-command.js'
import { discoverCommand } from './commands/discover-command.js'
import { logsCommand } from './commands/logs-command.js'

await runCli('fleets', {
  server: { summary: 'run the coordinator: mesh node, rollout engine and HTTP API (server --db fleet.db --port 8080)', run: serverCommand },
  artifact: { summary: 'publish and inspect signed artifacts (artifact upload | list | show | verify)', run: artifactCommand },
  token: { summary: 'create join tokens for devices (token create)', run: tokenCommand },
  keys: { summary: 'manage signing keys (keys generate | list | export)', run: keysCommand },
  devices: { summary: 'devices the coordinator knows (devices list | show | label | register)', run: devicesCommand },
  app: { summary: 'apps the coordinator deploys (app create | list | show)', run: appCommand },
  deploy: { summary: 'roll out app versions (deploy create | list | show | watch | promote | pause | resume | rollback)', run: deployCommand },
  discover: { summary: 'list FleetD nodes and other mDNS/DNS-SD services on the LAN (discover [--all] [--service _ssh._tcp])', run: discoverCommand },
  logs: { summary: "an app's logs from a device, through the mesh (logs DEVICE APP [--follow] [--tail N])", run: logsCommand },
  alerts: { summary: 'alerts and alert rules (alerts list | rules | add)', run: alertsCommand },
  audit: { summary: 'check and read the coordinator audit log (audit verify | list)', run: auditCommand },
  version: { summary: 'print the version', run: versionCommand('fleets') }
}, process.argv.slice(2))
