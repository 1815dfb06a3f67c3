import { UsageError } from '../args.js'
import { artifactFetch, FETCH_HELP } from './artifact-fetch.js'
import { artifactGc, GC_HELP } from './artifact-gc.js'
import { artifactList, FLEET_NODE, listHelp } from './artifact-list.js'
import { artifactPin, PIN_HELP } from './artifact-pin.js'
import { artifactShow } from './artifact-show.js'
import { artifactVerify } from './artifact-verify.js'

export const NODE_ARTIFACT_HELP = `Usage: fleet-node artifact <fetch|list|show|verify|gc|pin|unpin> [options]

  fetch MANIFEST.json   verify a signed manifest, fetch the artifact from fleet peers, verify it
  list                  artifacts this node holds, their pins, and disk usage
  show NAME@VERSION     one artifact: manifest, pins, path, whether complete on disk
  verify NAME@VERSION   re-check signatures, every block, and the file against the manifest
  gc [--dry-run]        delete blocks and versions no pin keeps; print what and how much
  pin | unpin NAME@VERSION [--reason R]
                        keep a version from gc (manual by default), or stop keeping it

Every subcommand takes --storage-dir DIR (the node's; default /var/lib/fleetd as root,
~/.fleetd otherwise) and --json, and explains itself with --help.

${FETCH_HELP}
${listHelp(FLEET_NODE)}
${GC_HELP}
${PIN_HELP}`

const SUBCOMMANDS = ['fetch', 'list', 'show', 'verify', 'gc', 'pin', 'unpin'] as const

/** `fleet-node artifact …`: the artifacts this device's node holds. */
export async function nodeArtifactCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub == null || sub === '--help' || sub === '-h') { process.stdout.write(NODE_ARTIFACT_HELP); return sub == null ? 2 : 0 }
  switch (sub) {
    case 'fetch': return await artifactFetch(rest)
    case 'list': return await artifactList(rest, FLEET_NODE)
    case 'show': return await artifactShow(rest, FLEET_NODE)
    case 'verify': return await artifactVerify(rest, FLEET_NODE)
    case 'gc': return await artifactGc(rest)
    case 'pin': case 'unpin': return await artifactPin(sub, rest)
    default: throw new UsageError(`unknown subcommand '${sub}'; artifact has: ${SUBCOMMANDS.join(', ')}`, 'artifact')
  }
}
