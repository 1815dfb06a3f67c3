import { AuditChainError, auditLog, verifyAuditLog } from '../../coordinator/audit/index.js'
import { CoordinatorStore } from '../../coordinator/store/index.js'
import { parseFlags, UsageError } from '../args.js'
import { apiClient, SERVER_FLAGS_HELP, SERVER_OPTIONS } from './server-client.js'
import { formatAuditTable } from './audit-format.js'
import type { AuditVerifyResult } from '../../coordinator/audit/index.js'
import type { AuditEntry } from '../../coordinator/store/index.js'
import type { ApiClient } from './server-client.js'

export const AUDIT_HELP = `Usage: fleets audit <verify|list> [--db fleet.db | --server URL --token T] [options]

The coordinator's audit log: every deployment action (who, when, deployment, artifact version,
signature verified, scan result, rollback reason), token and device change, each entry chained
to the one before by its sha256.

  fleets audit verify [--expect-head INDEX:HASH]
      check the whole chain; names the first edited, missing, reordered or inserted entry.
      --expect-head also catches entries cut off the end since a head you recorded before
  fleets audit list [--deployment ID] [--from INDEX] [--limit N]
      entries in order (default: the last 50)

Where the log is read:
  --db FILE      the coordinator database itself, offline (the server must be stopped:
                 the database has one user); the strongest check
${SERVER_FLAGS_HELP}
                 verify fetches every entry and checks the chain here, not on the server

Exit codes: 0 valid (verify) or done, 1 the chain is broken [FLEET_ERR_AUDIT_CHAIN] or the
log could not be read, 2 wrong usage.
`

/** Entries per request when fetching the whole log from a server. */
const FETCH_PAGE = 5_000
const LIST_DEFAULT = 50

export async function auditCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || sub == null) { process.stdout.write(AUDIT_HELP); return sub == null ? 2 : 0 }
  if (sub !== 'verify' && sub !== 'list') throw new UsageError(`unknown subcommand '${sub}'; the audit command has: verify, list`, 'audit')
  const command = `audit ${sub}`
  const { values } = parseFlags(command, rest, {
    ...SERVER_OPTIONS, db: { type: 'string' }, 'expect-head': { type: 'string' }, deployment: { type: 'string' }, from: { type: 'string' }, limit: { type: 'string' }
  })
  if (values.help === true) { process.stdout.write(AUDIT_HELP); return 0 }
  for (const flag of sub === 'verify' ? ['deployment', 'from', 'limit'] as const : ['expect-head'] as const) {
    if (values[flag] != null) throw new UsageError(`--${flag} is not an option of ${command}`, command)
  }
  if (values.db != null && (values.server != null || values.token != null)) {
    throw new UsageError('give either --db (read the database) or --server/--token (ask a running coordinator), not both', command)
  }
  const json = values.json === true
  if (sub === 'verify') {
    const expectHead = values['expect-head'] != null ? parseHead(command, values['expect-head']) : undefined
    const options = expectHead != null ? { expectHead } : {}
    const result = values.db != null
      ? await withStore(values.db, async store => await auditLog()({ store, clock: { nowMs: () => Date.now() } }).verify(options))
      : await verifyAuditLog(fetchAll(apiClient(command, values)), options)
    return report(result, json)
  }
  const from = values.from != null ? parseCount(command, 'from', values.from, 0) : undefined
  const limit = values.limit != null ? parseCount(command, 'limit', values.limit, 1) : LIST_DEFAULT
  const entries = values.db != null
    ? await withStore(values.db, async store => await listLocal(store, from, limit, values.deployment))
    : await listRemote(apiClient(command, values), from, limit, values.deployment)
  process.stdout.write(json ? JSON.stringify(entries) + '\n' : formatAuditTable(entries))
  return 0
}

function report (result: AuditVerifyResult, json: boolean): number {
  if (json) process.stdout.write(JSON.stringify(result) + '\n')
  if (result.ok) {
    if (!json) process.stdout.write(`audit log valid: ${result.count} entries${result.count > 0 ? `, head ${result.count - 1}:${result.headHash}` : ''}\n`)
    return 0
  }
  const err = new AuditChainError(`audit log broken at entry ${result.index} (${result.problem}): ${result.message}`, result.index, result.problem)
  process.stderr.write(`fleets audit verify: ${err.message} [${err.code}]\n`)
  return 1
}

async function withStore<T> (path: string, fn: (store: CoordinatorStore) => Promise<T>): Promise<T> {
  const store = await CoordinatorStore.open(path)
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

/** Streams every entry from the server, page by page, so verify never holds the whole log. */
async function * fetchAll (client: ApiClient): AsyncGenerator<unknown> {
  let from = 0
  for (;;) {
    const page = await client.get<{ entries: unknown[], next?: number }>(`/api/v1/audit?from=${from}&limit=${FETCH_PAGE}`)
    yield * page.entries
    if (page.next == null || page.next <= from) return
    from = page.next
  }
}

async function listLocal (store: CoordinatorStore, from: number | undefined, limit: number, deployment: string | undefined): Promise<AuditEntry[]> {
  if (deployment == null) {
    const head = await store.audit.head()
    return await store.audit.range(from ?? Math.max(0, (head?.index ?? -1) + 1 - limit), limit)
  }
  // One deployment's entries: scan forward page by page, keeping the first (with --from) or the last `limit`.
  const out: AuditEntry[] = []
  for (let index = from ?? 0; ; index += FETCH_PAGE) {
    const page = await store.audit.range(index, FETCH_PAGE)
    out.push(...page.filter(e => e.deploymentId === deployment))
    if (from != null && out.length >= limit) return out.slice(0, limit)
    if (from == null) out.splice(0, Math.max(0, out.length - limit))
    if (page.length < FETCH_PAGE) return out
  }
}

async function listRemote (client: ApiClient, from: number | undefined, limit: number, deployment: string | undefined): Promise<AuditEntry[]> {
  const filter = deployment != null ? `&deployment=${encodeURIComponent(deployment)}` : ''
  if (from != null) return (await client.get<{ entries: AuditEntry[] }>(`/api/v1/audit?from=${from}&limit=${limit}${filter}`)).entries
  // The last `limit` entries: walk the pages, keeping a window (the API pages forward only).
  const out: AuditEntry[] = []
  for (let next: number | undefined = 0; next != null;) {
    const page: { entries: AuditEntry[], next?: number } = await client.get(`/api/v1/audit?from=${next}&limit=${FETCH_PAGE}${filter}`)
    out.push(...page.entries)
    out.splice(0, Math.max(0, out.length - limit))
    next = page.next != null && page.next > next ? page.next : undefined
  }
  return out
}

function parseHead (command: string, value: string): { index: number, hash: string } {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(value)
  if (match == null) throw new UsageError(`--expect-head takes INDEX:HASH as verify printed it (e.g. 41:3fa2…, 64 hex digits), got '${value}'`, command)
  return { index: Number(match[1]), hash: match[2] ?? '' }
}

function parseCount (command: string, flag: string, value: string, min: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < min || !Number.isSafeInteger(n)) throw new UsageError(`--${flag} takes a whole number from ${min}, got '${value}'`, command)
  return n
}
