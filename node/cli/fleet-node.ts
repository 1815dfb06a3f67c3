#!/usr/bin/env node
/** `fleet-node`: the agent every device runs. */
import { nodeArtifactCommand } from './commands/node-artifact.js'
import { nodeAppCommand } from './commands/node-app.js'
import { metricsCommand } from './commands/metrics.js'
import { mcuCommand } from './commands/mcu.js'
import { joinCommand } from './commands/join.js'
import { peersCommand } from './commands/peers.js'
import { gatewayCommand } from './commands/gateway-command.js'
import { plansCommand } from './commands/plans.js'
import { statusCommand } from './commands/status.js'
import { versionCommand } from './commands/version.js'
import { runCli } from './run-cli.js'

await runCli('fleet-node', {
  artifact: { summary: 'fetch, list, show, verify, pin and gc the artifacts this node holds', run: nodeArtifactCommand },
  app: { summary: 'deploy, inspect, remove and read the logs of the apps this device runs', run: nodeAppCommand },
  metrics: { summary: "this device's metrics: system, app processes, custom metrics apps pushed", run: metricsCommand },
  join: { summary: 'start this device\'s node and join the fleet mesh', run: joinCommand },
  mcu: { summary: 'bench and factory work on one MCU on a serial port: info, flash (bridge OTA or STM32 ROM)', run: mcuCommand },
  status: { summary: 'show the running node: peer ID, fleet, addresses, peers', run: statusCommand },
  plans: { summary: 'the deployment plans this node holds, its report outbox and the plans it refused', run: plansCommand },
  peers: { summary: 'list the fleet members this node sees', run: peersCommand },
  gateway: { summary: 'show a gateway node\'s serial ports and child devices', run: gatewayCommand },
  version: { summary: 'print the version', run: versionCommand('fleet-node') }
}, process.argv.slice(2))
