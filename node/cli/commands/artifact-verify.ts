import { rpcStream } from '../../rpc/index.js'
import { parseFlags, UsageError } from '../args.js'
import { nodeDir } from './artifact-list.js'
import { refArgument } from './artifact-show.js'
import { verifyManifestFile } from './artifact-verify-file.js'
import { formatBytes, progressLine } from './progress-line.js'
import type { OptionSpec } from '../args.js'
import type { NodeCommand } from './artifact-list.js'
import type { StoredVerification, VerifyEvent } from '../../../content/service/index.js'

const COMMAND = 'artifact verify'

export function verifyHelp (cmd: NodeCommand): string {
  const offline = cmd.program === 'fleets'
    ? `Usage: fleets artifact verify --manifest FILE [--file F] [--keys-dir D | --trusted-key KEY ...] [--json]
       fleets artifact verify NAME@VERSION [--node-storage-dir DIR] [--json]

With --manifest: check a manifest file (as fleets artifact upload --json prints it, or a bare
manifest) against this administrator's keys (--keys-dir, default ~/.fleetd-admin/keys) or only
the public keys given with --trusted-key (base64, repeatable; fleets keys export prints them),
and with --file also the artifact file's size and sha256.

With NAME@VERSION: ask the running fleet-node to re-check what it holds.
`
    : `Usage: fleet-node artifact verify NAME@VERSION [--storage-dir DIR] [--json]

`
  return `${offline}The node checks the manifest's signatures against the keys of its join token,
reads every block of the DAG and re-hashes it against its CID, re-hashes the materialised file
(if any) and the file the blocks hold against the manifest's size and sha256.

Exit 0 when everything verifies; 1 with a message naming what is wrong (field, key id, sha256
or block) and what to do; 2 for a usage mistake.
`
}

export async function artifactVerify (argv: string[], cmd: NodeCommand): Promise<number> {
  // Only fleets checks manifest files offline: fleet-node verifies what its node holds.
  const offline: OptionSpec = cmd.program === 'fleets'
    ? { manifest: { type: 'string' }, file: { type: 'string' }, 'keys-dir': { type: 'string' }, 'trusted-key': { type: 'string', multiple: true } }
    : {}
  const options: OptionSpec = { ...offline, [cmd.nodeFlag]: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }
  const { values, positionals } = parseFlags(COMMAND, argv, options, 1)
  if (values.help === true) { process.stdout.write(verifyHelp(cmd)); return 0 }
  const json = values.json === true
  const manifestFile = values.manifest as string | undefined
  const [ref] = positionals
  if (manifestFile != null && ref != null) throw new UsageError('give --manifest FILE or NAME@VERSION, not both', COMMAND)
  if (manifestFile == null) {
    for (const flag of ['file', 'keys-dir', 'trusted-key'] as const) {
      if (values[flag] != null) throw new UsageError(`--${flag} goes with --manifest FILE; a node verifies NAME@VERSION against its own trusted keys`, COMMAND)
    }
    if (ref == null) throw new UsageError(cmd.program === 'fleets' ? 'give --manifest FILE, or NAME@VERSION of an artifact a node holds' : 'name the artifact: NAME@VERSION (see artifact list)', COMMAND)
    return await verifyOnNode(refArgument(ref, COMMAND), nodeDir(values[cmd.nodeFlag]), json)
  }
  if (values[cmd.nodeFlag] != null) throw new UsageError(`--${cmd.nodeFlag} goes with NAME@VERSION; --manifest is checked here, without a node`, COMMAND)
  if (values['keys-dir'] != null && values['trusted-key'] != null) throw new UsageError('give --keys-dir or --trusted-key, not both', COMMAND)
  try {
    const result = await verifyManifestFile({
      manifestFile,
      ...(typeof values.file === 'string' ? { file: values.file } : {}),
      ...(typeof values['keys-dir'] === 'string' ? { keysDir: values['keys-dir'] } : {}),
      ...(Array.isArray(values['trusted-key']) ? { trustedKeys: values['trusted-key'] as string[] } : {})
    })
    if (json) {
      process.stdout.write(JSON.stringify(result) + '\n')
    } else {
      const unknown = result.unknownKeyIds.length > 0 ? ` (also signed by ${result.unknownKeyIds.join(', ')}, not among them)` : ''
      process.stdout.write(`manifest ${result.ref} (cid ${result.cid}) is valid: signed by ${result.keyIds.join(', ')}, checked against ${result.trustedFrom}${unknown}\n`)
      if (result.file != null) process.stdout.write(`file ${result.file.path} matches: ${formatBytes(result.file.size)} (${result.file.size} bytes), sha256 ${result.file.sha256}\n`)
    }
    return 0
  } catch (err) {
    const e = err as Error & { code?: string }
    if (json && !(err instanceof UsageError)) process.stdout.write(JSON.stringify({ ok: false, error: { code: e.code, message: e.message } }) + '\n')
    throw err
  }
}

async function verifyOnNode (ref: string, storageDir: string, json: boolean): Promise<number> {
  const bar = progressLine(`verifying ${ref}`)
  let report: StoredVerification | undefined
  for await (const event of rpcStream<VerifyEvent>(storageDir, '/v1/artifacts/verify', { ref })) {
    if (event.type === 'progress') bar.update(`${event.blocksChecked}/${event.blocks} blocks`)
    else report = event
  }
  bar.done()
  if (report == null) throw new Error('the node ended the verification without a report; see its log')
  if (json) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  if (report.ok) {
    if (!json) {
      const file = report.file.present ? `; file ${report.file.path} matches` : '; no materialised file (the node holds blocks only)'
      process.stdout.write(`${report.ref} (cid ${report.cid}) is valid: signed by ${report.signature.keyIds.join(', ')}; ${report.blocks.verified} of ${report.blocks.total} blocks verified; content ${report.content.size ?? 0} bytes, sha256 ${report.content.sha256 ?? '?'}${file}\n`)
    }
    return 0
  }
  const [first] = report.problems
  // runCli appends the first problem's code; --json carries every problem's.
  const message = `${report.ref} failed verification:\n${report.problems.map(p => `  ${p.check}: ${p.message}`).join('\n')}`
  throw Object.assign(new Error(message), { code: first?.code })
}
