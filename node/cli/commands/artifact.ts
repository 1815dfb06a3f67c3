import { artifactUpload, UPLOAD_HELP } from './artifact-upload.js'
import { UsageError } from '../args.js'

const HELP = `Usage: fleets artifact upload [options]

  upload   import a file into a fleet node's store, sign its manifest, print CID and manifest

${UPLOAD_HELP}`

/** `fleets artifact …`: publishing artifacts. */
export async function artifactCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub == null || sub === '--help' || sub === '-h') { process.stdout.write(HELP); return sub == null ? 2 : 0 }
  if (sub === 'upload') return await artifactUpload(rest)
  throw new UsageError(`unknown subcommand '${sub}'; artifact has: upload (fleet-node artifact fetch|list run on devices)`, 'artifact')
}
