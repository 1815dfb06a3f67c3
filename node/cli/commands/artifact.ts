import { UsageError } from '../args.js'
import { artifactList, FLEETS, listHelp } from './artifact-list.js'
import { artifactShow, showHelp } from './artifact-show.js'
import { artifactUpload, UPLOAD_HELP } from './artifact-upload.js'
import { artifactVerify, verifyHelp } from './artifact-verify.js'

const HELP = `Usage: fleets artifact <upload|list|show|verify> [options]

  upload   import a file into a fleet node's store, sign its manifest, print CID and manifest
  list     the artifacts a node holds: name, version, platforms, type, size, CID, signers, pins
  show     one artifact: full manifest, pins, local path, whether complete on disk
  verify   check a manifest file (and its file) against your keys, or a node's copy end to end

${UPLOAD_HELP}
${listHelp(FLEETS)}
${showHelp(FLEETS)}
${verifyHelp(FLEETS)}
Devices fetch with fleet-node artifact fetch; fleet-node artifact gc collects old versions.
`

const SUBCOMMANDS = ['upload', 'list', 'show', 'verify'] as const

/** `fleets artifact …`: publishing artifacts and looking at what a node holds. */
export async function artifactCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub == null || sub === '--help' || sub === '-h') { process.stdout.write(HELP); return sub == null ? 2 : 0 }
  switch (sub) {
    case 'upload': return await artifactUpload(rest)
    case 'list': return await artifactList(rest, FLEETS)
    case 'show': return await artifactShow(rest, FLEETS)
    case 'verify': return await artifactVerify(rest, FLEETS)
    default: throw new UsageError(`unknown subcommand '${sub}'; artifact has: ${SUBCOMMANDS.join(', ')} (fleet-node artifact fetch|gc run on devices)`, 'artifact')
  }
}
