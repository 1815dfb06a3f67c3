import { readFile } from 'node:fs/promises'
import { rpcGet, rpcStream } from '../../rpc/index.js'
import { defaultStorageDir } from '../../storage/index.js'
import { parseFlags, UsageError } from '../args.js'
import { formatBytes, progressLine } from './progress-line.js'
import type { FetchEvent } from '../../../content/service/index.js'

export const NODE_ARTIFACT_HELP = `Usage: fleet-node artifact fetch MANIFEST.json [--storage-dir DIR] [--json]
       fleet-node artifact list [--storage-dir DIR] [--json]

fetch: verify a signed manifest against the keys of this node's join token, fetch the
artifact's blocks from fleet peers (resuming what an earlier attempt left), verify its size and
sha256, and put it under <storage-dir>/artifacts/NAME/VERSION/.
list: the artifacts this node holds, and its block store's disk usage.
`

export async function nodeArtifactCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub == null || sub === '--help' || sub === '-h') { process.stdout.write(NODE_ARTIFACT_HELP); return sub == null ? 2 : 0 }
  const { values, positionals } = parseFlags(`artifact ${sub}`, rest, {
    'storage-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
  }, 1)
  if (values.help === true) { process.stdout.write(NODE_ARTIFACT_HELP); return 0 }
  const dir = values['storage-dir'] ?? defaultStorageDir()
  if (sub === 'list') {
    const list = await rpcGet<{ artifacts: Array<{ manifest: { name: string, version: string, cid: string, size: number }, path: string }>, disk: { blocks: number, bytes: number } }>(dir, '/v1/artifacts')
    if (values.json === true) { process.stdout.write(JSON.stringify(list, null, 2) + '\n'); return 0 }
    for (const a of list.artifacts) process.stdout.write(`${a.manifest.name}@${a.manifest.version}  ${a.manifest.cid}  ${formatBytes(a.manifest.size)}  ${a.path}\n`)
    process.stdout.write(`block store: ${list.disk.blocks} blocks, ${formatBytes(list.disk.bytes)}\n`)
    return 0
  }
  if (sub !== 'fetch') throw new UsageError(`unknown subcommand '${sub}'; artifact has: fetch, list`, 'artifact')
  const file = positionals[0]
  if (file == null) throw new UsageError('give the manifest file: fleet-node artifact fetch MANIFEST.json', 'artifact fetch')
  let manifest: unknown
  try {
    const text = JSON.parse(await readFile(file, 'utf8')) as { manifest?: unknown }
    manifest = text.manifest ?? text
  } catch (err) {
    throw new UsageError(`cannot read manifest ${file}: ${(err as Error).message}`, 'artifact fetch')
  }
  const bar = progressLine('fetching')
  for await (const event of rpcStream<FetchEvent>(dir, '/v1/artifacts/fetch', { manifest })) {
    if (values.json === true) process.stdout.write(JSON.stringify(event) + '\n')
    if (event.type === 'progress') bar.update(`${event.blocksHave}/${event.blocks} blocks from ${event.peers} peers`)
    if (event.type === 'done' && values.json !== true) {
      bar.done()
      process.stdout.write(`${event.path}\n`)
      process.stderr.write(`verified ${formatBytes(event.size)} sha256 ${event.sha256}; ${formatBytes(event.bytesFromPeers)} from peers, ${event.blocksFromBitswap} blocks by bitswap\n`)
    }
  }
  return 0
}
