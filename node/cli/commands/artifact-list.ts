import { rpcGet } from '../../rpc/index.js'
import { defaultStorageDir } from '../../storage/index.js'
import { parseFlags } from '../args.js'
import { renderListing } from './artifact-table.js'
import type { ArtifactListing } from '../../../content/service/index.js'

/**
 * How a command names the node it talks to: `fleets` (an admin tool beside the node) says
 * `--node-storage-dir`, as `fleets artifact upload` does; `fleet-node` says `--storage-dir`.
 */
export type NodeFlag = 'node-storage-dir' | 'storage-dir'

export interface NodeCommand { program: 'fleets' | 'fleet-node', nodeFlag: NodeFlag }

export const FLEETS: NodeCommand = { program: 'fleets', nodeFlag: 'node-storage-dir' }
export const FLEET_NODE: NodeCommand = { program: 'fleet-node', nodeFlag: 'storage-dir' }

export function listHelp (cmd: NodeCommand): string {
  return `Usage: ${cmd.program} artifact list [--${cmd.nodeFlag} DIR] [--json]

The artifacts a running fleet-node holds: name, version, platforms, type, size, CID, the key ids
that signed each manifest, and the pins that keep it (running, previous, plan, manual, child; none means
the next gc collects it), then the disk used by blocks and materialised files.
`
}

export async function artifactList (argv: string[], cmd: NodeCommand): Promise<number> {
  const { values } = parseFlags('artifact list', argv, {
    [cmd.nodeFlag]: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
  })
  if (values.help === true) { process.stdout.write(listHelp(cmd)); return 0 }
  const list = await rpcGet<ArtifactListing>(nodeDir(values[cmd.nodeFlag]), '/v1/artifacts')
  process.stdout.write(values.json === true ? JSON.stringify(list, null, 2) + '\n' : renderListing(list))
  return 0
}

/** The node's storage dir from the flag's value (parseArgs types it loosely: string options only here). */
export function nodeDir (value: unknown): string {
  return typeof value === 'string' ? value : defaultStorageDir()
}
