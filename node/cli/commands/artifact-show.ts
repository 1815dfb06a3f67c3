import { CID } from 'multiformats/cid'
import { ManifestError, parseManifestRef } from '../../../content/manifest/index.js'
import { rpcPost } from '../../rpc/index.js'
import { parseFlags, UsageError } from '../args.js'
import { nodeDir } from './artifact-list.js'
import { renderDetails } from './artifact-table.js'
import type { NodeCommand } from './artifact-list.js'
import type { ArtifactDetails } from '../../../content/service/index.js'

export function showHelp (cmd: NodeCommand): string {
  return `Usage: ${cmd.program} artifact show NAME@VERSION [--${cmd.nodeFlag} DIR] [--json]
       ${cmd.program} artifact show --cid CID [--${cmd.nodeFlag} DIR] [--json]

One artifact a running fleet-node holds: its full manifest (signatures checked against the
node's trusted keys), the pins on it and whether gc keeps it, where its file is, and whether
every block is on disk. By --cid, the newest version with that root is shown.
`
}

export async function artifactShow (argv: string[], cmd: NodeCommand): Promise<number> {
  const { values, positionals } = parseFlags('artifact show', argv, {
    [cmd.nodeFlag]: { type: 'string' }, cid: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
  }, 1)
  if (values.help === true) { process.stdout.write(showHelp(cmd)); return 0 }
  const cid = values.cid
  const [text] = positionals
  if (typeof cid === 'string' && text != null) throw new UsageError('give NAME@VERSION or --cid, not both', 'artifact show')
  let body: { ref: string } | { cid: string }
  if (typeof cid === 'string') {
    try {
      CID.parse(cid)
    } catch {
      throw new UsageError(`--cid must be a CID like bafy…, got '${cid}'`, 'artifact show')
    }
    body = { cid }
  } else {
    if (text == null) throw new UsageError('name the artifact: NAME@VERSION (see artifact list), or --cid CID', 'artifact show')
    body = { ref: refArgument(text, 'artifact show') }
  }
  const details = await rpcPost<ArtifactDetails>(nodeDir(values[cmd.nodeFlag]), '/v1/artifacts/show', body)
  process.stdout.write(values.json === true ? JSON.stringify(details, null, 2) + '\n' : renderDetails(details))
  return 0
}

/** A NAME@VERSION argument, checked here so a typo is a usage error that names the part. */
export function refArgument (text: string, command: string): string {
  try {
    parseManifestRef(text)
    return text
  } catch (err) {
    if (err instanceof ManifestError) throw new UsageError(`NAME@VERSION: ${err.issues.map(i => `${i.path}: ${i.message}`).join('; ')}`, command)
    throw err
  }
}
