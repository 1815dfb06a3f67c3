import { readFile } from 'node:fs/promises'
import { rpcStream } from '../../rpc/index.js'
import { defaultStorageDir } from '../../storage/index.js'
import { parseFlags, UsageError } from '../args.js'
import { formatBytes, progressLine } from './progress-line.js'
import type { FetchEvent } from '../../../content/service/index.js'

export const FETCH_HELP = `Usage: fleet-node artifact fetch MANIFEST.json [--storage-dir DIR] [--stall-timeout S] [--json]

Verify a signed manifest against the keys of this node's join token, pin it (plan) so gc keeps
what arrives, fetch the artifact's blocks from fleet peers (resuming what an earlier attempt
left), verify its size and sha256, put it under <storage-dir>/artifacts/NAME/VERSION/, and pin
it as a previous version (the newest N per app are kept). A fetch that does not finish keeps
its plan pin, so a retry resumes from the blocks on disk; drop it with
fleet-node artifact unpin NAME@VERSION --reason plan. The fetch fails, naming its peers and any
bad blocks, when no block arrives for --stall-timeout seconds (default 120).
`

export async function artifactFetch (argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('artifact fetch', argv, {
    'storage-dir': { type: 'string' }, json: { type: 'boolean' }, 'stall-timeout': { type: 'string' }, help: { type: 'boolean', short: 'h' }
  }, 1)
  const stall = values['stall-timeout']
  const stallTimeoutMs = stall != null ? Number(stall) * 1000 : undefined
  if (stallTimeoutMs != null && !(stallTimeoutMs >= 1000)) throw new UsageError(`--stall-timeout must be seconds, at least 1; got '${stall ?? ''}'`, 'artifact fetch')
  if (values.help === true) { process.stdout.write(FETCH_HELP); return 0 }
  const dir = values['storage-dir'] ?? defaultStorageDir()
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
  for await (const event of rpcStream<FetchEvent>(dir, '/v1/artifacts/fetch', { manifest, ...(stallTimeoutMs != null ? { stallTimeoutMs } : {}) })) {
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
