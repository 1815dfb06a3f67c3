import { PIN_REASONS } from '../../../content/store/index.js'
import { rpcPost } from '../../rpc/index.js'
import { defaultStorageDir } from '../../storage/index.js'
import { parseFlags, UsageError } from '../args.js'
import { refArgument } from './artifact-show.js'
import type { PinJson } from '../../../content/service/index.js'
import type { PinReason } from '../../../content/store/index.js'

export const PIN_HELP = `Usage: fleet-node artifact pin NAME@VERSION [--reason R] [--storage-dir DIR] [--json]
       fleet-node artifact unpin NAME@VERSION [--reason R] [--storage-dir DIR] [--json]

Keep a held version from gc, or stop keeping it. R is manual (default: kept until unpinned),
running (what the agent runs; the version it replaces becomes previous), plan (a deployment
will install it) or previous (counts toward the newest N previous versions kept per app).
`

export async function artifactPin (sub: 'pin' | 'unpin', argv: string[]): Promise<number> {
  const command = `artifact ${sub}`
  const { values, positionals } = parseFlags(command, argv, {
    'storage-dir': { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
  }, 1)
  if (values.help === true) { process.stdout.write(PIN_HELP); return 0 }
  const reason = (values.reason ?? 'manual') as PinReason
  if (!PIN_REASONS.includes(reason)) throw new UsageError(`--reason must be one of ${PIN_REASONS.join(', ')}, got '${reason}'`, command)
  const [text] = positionals
  if (text == null) throw new UsageError('name the artifact: NAME@VERSION (see fleet-node artifact list)', command)
  const ref = refArgument(text, command)
  const dir = values['storage-dir'] ?? defaultStorageDir()
  const answer = await rpcPost<{ pins?: PinJson[], removed?: boolean }>(dir, `/v1/artifacts/${sub}`, { ref, reason })
  if (values.json === true) {
    process.stdout.write(JSON.stringify(answer) + '\n')
  } else if (sub === 'pin') {
    process.stdout.write(`${ref} pinned: ${(answer.pins ?? []).map(p => p.reason).join(', ')}\n`)
  } else {
    process.stdout.write(answer.removed === true ? `${ref}: ${reason} pin removed\n` : `${ref} had no ${reason} pin\n`)
  }
  return 0
}
