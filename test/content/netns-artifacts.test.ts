/**
 * Artifacts across six namespace hosts running the real `fleet-node` (mDNS on): one node uploads
 * a signed artifact and five fetch it at once from the seed and from each other; a fetch killed
 * mid-transfer resumes from the blocks on disk; tampered manifests and a tampered block are
 * refused. The network and every node are removed even when a test fails.
 */
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RABIN_CHUNK_BYTES_MIN } from '../../content/store/index.js'
import { createHostNetwork, netnsSupport, waitForExit } from '../support/netns-hosts.js'
import { FLEET_NODE_CLI, FLEETS_CLI, startFleetNode, tempDir } from '../support/fleet-node-proc.js'
import type { ExecResult, Host, HostNetwork } from '../support/netns-hosts.js'
import type { RunningNode } from '../support/fleet-node-proc.js'
import type { FetchEvent } from '../../content/service/index.js'
import type { ManifestJson } from '../../content/manifest/index.js'
import type { MeshStatus } from '../../node/mesh/index.js'
import type { ChildProcess } from 'node:child_process'

const HOSTS = 6
const MiB = 1024 * 1024
/** Rabin chunks are never smaller than this (content/store/constants.ts), except a file's last one. */
const CHUNK_BYTES_MIN = RABIN_CHUNK_BYTES_MIN
const MESH_TIMEOUT_MS = 60_000
const FETCH_TIMEOUT_MS = 100_000
const TEST_TIMEOUT_MS = 120_000
const RESUME_TEST_TIMEOUT_MS = 180_000
/** How long the fetch from a corrupt-only source may run before we kill it. */
const CORRUPT_FETCH_WAIT_MS = 20_000

const execFileAsync = promisify(execFile)
const support = await netnsSupport()
if (!support.ok) console.warn(`multi-host artifact tests skipped: ${support.reason}`)

interface Upload { cid: string, newBytes: number, manifest: ManifestJson }
interface ArtifactList { artifacts: Array<{ manifest: ManifestJson, path: string }>, uploads: Record<string, number> }
type DoneEvent = Extract<FetchEvent, { type: 'done' }>
type ProgressEvent = Extract<FetchEvent, { type: 'progress' }>

/** `fleets ARGS` in the root namespace (no network needed); returns stdout, throws on failure. */
async function fleets (args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, [FLEETS_CLI, ...args], { timeout: 15_000 })
  return stdout
}

/** Runs a CLI inside `host`'s namespace, where a node's loopback status API is reachable. */
async function inHost (host: Host, cli: string, args: string[], timeoutMs = 30_000): Promise<ExecResult> {
  return await host.exec(process.execPath, [cli, ...args], { timeoutMs })
}

async function inHostOk (host: Host, cli: string, args: string[], timeoutMs?: number): Promise<string> {
  const r = await inHost(host, cli, args, timeoutMs)
  if (r.code !== 0) throw new Error(`${cli} ${args.join(' ')} on ${host.name} failed (${r.code ?? r.signal}): ${r.stderr.trim()}`)
  return r.stdout
}

function ndjson (stdout: string): FetchEvent[] {
  return stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as FetchEvent)
}

interface FetchResult { code: number | null, events: FetchEvent[], stderr: string, ms: number }

/** `fleet-node artifact fetch --json` to completion inside `host`'s namespace (killed after timeoutMs). */
async function fetchOnHost (host: Host, storageDir: string, manifestFile: string, timeoutMs = FETCH_TIMEOUT_MS): Promise<FetchResult> {
  const started = Date.now()
  const r = await inHost(host, FLEET_NODE_CLI, ['artifact', 'fetch', manifestFile, '--storage-dir', storageDir, '--json'], timeoutMs)
  return { code: r.code, events: ndjson(r.stdout), stderr: r.timedOut ? `killed after ${timeoutMs} ms` : r.stderr.trim(), ms: Date.now() - started }
}

/** One line on how a fetch ended, for assertion messages. */
function describeFetch (r: FetchResult): string {
  const last = r.events.at(-1)
  return `exit ${r.code} after ${r.ms} ms; ${r.stderr}; last event: ${JSON.stringify(last)}`
}

function isDone (e: FetchEvent): e is DoneEvent { return e.type === 'done' }
function isProgress (e: FetchEvent): e is ProgressEvent { return e.type === 'progress' }

function sha256Hex (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

async function fileSha256 (path: string): Promise<string> {
  return sha256Hex(await readFile(path))
}

async function exists (path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false)
}

/** The biggest file under `dir`, recursively: a leaf block of the artifact, not an internal node. */
async function largestFile (dir: string): Promise<string> {
  let best = { path: '', size: -1 }
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    const { size } = await stat(path)
    if (size > best.size) best = { path, size }
  }
  if (best.size < 0) throw new Error(`no file under ${dir}`)
  return best.path
}

function connectedTo (s: MeshStatus, peerIds: readonly string[]): boolean {
  const connected = new Set(s.connections.map(c => c.peerId))
  return peerIds.every(p => connected.has(p))
}

/** Where a node materialises a fetched artifact (ArtifactService.artifactPath). */
function artifactPath (storageDir: string, m: Pick<ManifestJson, 'name' | 'version'>): string {
  return join(storageDir, 'artifacts', m.name, m.version, m.name)
}

/** A `fleet-node artifact fetch --json` running in the background, its events parsed as they come. */
interface FetchRun {
  child: ChildProcess
  events: FetchEvent[]
  stderr: () => string
  waitForEvent: (what: string, predicate: (e: FetchEvent) => boolean, timeoutMs: number) => Promise<FetchEvent>
}

function spawnFetch (host: Host, storageDir: string, manifestFile: string, extra: string[] = []): FetchRun {
  const child = host.spawn(process.execPath, [FLEET_NODE_CLI, 'artifact', 'fetch', manifestFile, '--storage-dir', storageDir, '--json', ...extra])
  const events: FetchEvent[] = []
  const waiters = new Set<() => void>()
  let partial = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) if (line.trim() !== '') events.push(JSON.parse(line) as FetchEvent)
    for (const wake of waiters) wake()
  })
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8') })
  child.once('exit', () => { for (const wake of waiters) wake() })
  const waitForEvent = async (what: string, predicate: (e: FetchEvent) => boolean, timeoutMs: number): Promise<FetchEvent> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = events.find(predicate)
      if (hit != null) return hit
      if (child.exitCode != null || child.signalCode != null) throw new Error(`fetch on ${host.name} exited (${child.exitCode ?? child.signalCode}) before ${what}; stderr: ${stderr.trim()}; events: ${JSON.stringify(events.slice(-3))}`)
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${host.name}; last events: ${JSON.stringify(events.slice(-3))}`)
      await new Promise<void>(resolve => {
        const wake = (): void => { waiters.delete(wake); clearTimeout(timer); resolve() }
        const timer = setTimeout(wake, 500)
        waiters.add(wake)
      })
    }
  }
  return { child, events, stderr: () => stderr, waitForEvent }
}

describe.skipIf(!support.ok)(`artifacts across ${HOSTS} namespace hosts${support.ok ? '' : ` (skipped: ${support.reason})`}`, () => {
  let network: HostNetwork
  let dir: string
  let keysDir: string
  /** nodes[i] runs on network.hosts[i]; replaced when a node is restarted. */
  const nodes: RunningNode[] = []
  const peerIds: string[] = []
  let demo: { file: string, bytes: Buffer, manifestFile: string, upload: Upload }

  const host = (i: number): Host => {
    const h = network.hosts[i]
    if (h == null) throw new Error(`no host ${i}`)
    return h
  }
  const node = (i: number): RunningNode => {
    const n = nodes[i]
    if (n == null) throw new Error(`no node on host ${i}`)
    return n
  }
  const peerId = (i: number): string => peerIds[i] ?? '?'
  const storageDir = (i: number): string => join(dir, host(i).name)

  /** Starts (or restarts, on the same storage dir) the node of host i; the token is remembered after the first start. */
  function startNode (i: number, token?: string): RunningNode {
    const started = startFleetNode({
      host: host(i),
      storageDir: storageDir(i),
      args: [...(token != null ? ['--token', token] : []), '--rpc-port', '0', '--name', host(i).name, '--heartbeat-ms', '2000']
    })
    nodes[i] = started
    return started
  }

  /** `fleets artifact upload` inside host 0's namespace, into host 0's node; the JSON answer is saved as a manifest file. */
  async function upload (name: string, version: string, bytes: Buffer): Promise<{ file: string, manifestFile: string, upload: Upload }> {
    const file = join(dir, `${name}-${version}.bin`)
    await writeFile(file, bytes)
    const stdout = await inHostOk(host(0), FLEETS_CLI, ['artifact', 'upload', '--name', name, '--version', version, '--file', file,
      '--platform', 'linux/amd64', '--key', 'release', '--keys-dir', keysDir, '--node-storage-dir', storageDir(0), '--json'], 60_000)
    const answer = JSON.parse(stdout) as Upload
    expect(answer.manifest.size).toBe(bytes.length)
    expect(answer.manifest.sha256).toBe(sha256Hex(bytes))
    const manifestFile = join(dir, `${name}-${version}.manifest.json`)
    await writeFile(manifestFile, stdout)
    return { file, manifestFile, upload: answer }
  }

  beforeAll(async () => {
    network = await createHostNetwork({ count: HOSTS, prefix: 'art' })
    dir = await tempDir('netns-artifacts')
    keysDir = join(dir, 'keys')
    await fleets(['keys', 'generate', 'release', '--keys-dir', keysDir])
    const token = (await fleets(['token', 'create', '--db', join(dir, 'fleet.db'), '--release-key', 'release', '--keys-dir', keysDir])).trim()
    for (let i = 0; i < HOSTS; i++) startNode(i, token)
    const statuses = await Promise.all(nodes.map(async (n, i) =>
      await n.waitFor(`host ${i} connected to all ${HOSTS - 1} others`, s => new Set(s.connections.map(c => c.peerId)).size >= HOSTS - 1, MESH_TIMEOUT_MS)))
    peerIds.push(...statuses.map(s => s.peerId))
  }, TEST_TIMEOUT_MS)

  // A failed test leaves every node's last log lines under test-output/ for the post-mortem.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return
    const out = join('test-output', 'netns-artifacts')
    await mkdir(out, { recursive: true })
    for (const [i, n] of nodes.entries()) await writeFile(join(out, `${host(i).name}.log`), n.logs() + '\n')
    console.warn(`node logs of the failed test "${ctx.task.name}" are in ${out}/`)
  })

  afterAll(async () => {
    await Promise.allSettled(network?.hosts.map(async h => await h.clearEgressRate()) ?? [])
    await Promise.allSettled(nodes.map(async n => await n.stop()))
    await network?.destroy()
  }, TEST_TIMEOUT_MS)

  it('one node uploads, five others fetch concurrently', async () => {
    const bytes = randomBytes(12 * MiB)
    demo = { bytes, ...await upload('demo', '1.0.0', bytes) }
    const sha256 = sha256Hex(bytes)
    const results = await Promise.all([1, 2, 3, 4, 5].map(async i => ({ i, ...await fetchOnHost(host(i), storageDir(i), demo.manifestFile) })))
    for (const r of results) {
      expect(r.events[0]?.type).toBe('verified')
      const done = r.events.find(isDone)
      expect(done, `host ${r.i} ends with a done event: ${describeFetch(r)}`).toBeDefined()
      if (done == null) continue
      expect(done.sha256).toBe(sha256)
      expect(done.size).toBe(bytes.length)
      expect(done.path).toBe(artifactPath(storageDir(r.i), demo.upload.manifest))
      expect((await readFile(done.path)).equals(bytes), `host ${r.i}'s copy is byte-identical`).toBe(true)
      console.log(`host ${r.i}: ${done.bytesFromPeers} bytes from peers, ${done.blocksFromBitswap} blocks by bitswap, done after ${r.ms} ms`)
    }
    // The seed did not upload all five copies: fetchers served each other.
    const list = JSON.parse(await inHostOk(host(0), FLEET_NODE_CLI, ['artifact', 'list', '--storage-dir', storageDir(0), '--json'])) as ArtifactList
    const seedUploaded = list.uploads[demo.upload.cid] ?? 0
    console.log(`seed uploaded ${seedUploaded} bytes for 5 × ${bytes.length} fetched (${(seedUploaded / bytes.length).toFixed(2)} copies)`)
    expect(seedUploaded).toBeGreaterThan(0)
    expect(seedUploaded).toBeLessThan(5 * bytes.length)
  }, TEST_TIMEOUT_MS)

  it('a fetch killed mid-transfer resumes without refetching', async () => {
    const bytes = randomBytes(16 * MiB)
    const fetcher = 5
    await host(0).setEgressRate(8)
    try {
      const v2 = await upload('demo', '2.0.0', bytes)
      const first = spawnFetch(host(fetcher), storageDir(fetcher), v2.manifestFile)
      const reached = await first.waitForEvent('a quarter of the blocks', e => isProgress(e) && e.blocksHave >= e.blocks / 4, FETCH_TIMEOUT_MS) as ProgressEvent
      await node(fetcher).stop('SIGKILL').catch(() => null)
      first.child.kill('SIGKILL')
      await waitForExit(first.child, 10_000)
      const before = Math.max(...first.events.filter(isProgress).map(e => e.blocksHave))
      expect(first.events.some(isDone)).toBe(false)
      expect(before).toBeLessThan(reached.blocks)
      console.log(`killed host ${fetcher}'s node with ${before} of ${reached.blocks} blocks`)

      // Restart on the same storage dir (the token is remembered) and fetch again.
      const again = startNode(fetcher)
      await again.waitFor(`host ${fetcher} to reconnect to the seed`, s => connectedTo(s, [peerId(0)]), MESH_TIMEOUT_MS)
      const second = await inHost(host(fetcher), FLEET_NODE_CLI, ['artifact', 'fetch', v2.manifestFile, '--storage-dir', storageDir(fetcher), '--json'], FETCH_TIMEOUT_MS)
      expect(second.code, second.stderr).toBe(0)
      const events = ndjson(second.stdout)
      const firstProgress = events.find(isProgress)
      console.log(`resumed with ${firstProgress?.blocksHave} of ${firstProgress?.blocks} blocks`)
      expect(firstProgress?.blocksHave).toBeGreaterThanOrEqual(before)
      const done = events.find(isDone)
      expect(done?.sha256).toBe(sha256Hex(bytes))
      expect((await readFile(done?.path ?? '')).equals(bytes)).toBe(true)
      // Blocks already on disk were not fetched again: each is at least CHUNK_BYTES_MIN (but the last).
      expect(done?.bytesFromPeers).toBeLessThanOrEqual(bytes.length - (before - 1) * CHUNK_BYTES_MIN)
    } finally {
      await host(0).clearEgressRate()
    }
  }, RESUME_TEST_TIMEOUT_MS)

  it('a tampered manifest is refused', async () => {
    const fetcher = 2
    const original = demo.upload.manifest
    const keyId = original.signatures[0]?.keyId ?? ''
    const flipped = (hex: string): string => hex.slice(0, 10) + (hex[10] === '0' ? '1' : '0') + hex.slice(11)
    const tampered: Array<{ what: string, manifest: ManifestJson, message: RegExp }> = [
      { what: 'size', manifest: { ...original, size: original.size + 1 }, message: new RegExp(`signature by trusted key ${keyId} does not match manifest demo@1\\.0\\.0: the manifest or its signature was altered`) },
      { what: 'sha256', manifest: { ...original, sha256: flipped(original.sha256) }, message: /signature by trusted key [0-9a-f]{16} does not match manifest demo@1\.0\.0/ },
      { what: 'version', manifest: { ...original, version: '1.0.1' }, message: /signature by trusted key [0-9a-f]{16} does not match manifest demo@1\.0\.1/ },
      {
        what: 'signer',
        manifest: { ...original, version: '1.0.2', signatures: original.signatures.map(s => ({ ...s, keyId: '0'.repeat(16) })) },
        message: /manifest demo@1\.0\.2 has no signature by a trusted key: signed by 0000000000000000, which this node does not trust/
      }
    ]
    // Host 2 holds demo@1.0.0 from the first test: a refused fetch must leave that file alone.
    const held = artifactPath(storageDir(fetcher), original)
    const heldBefore = await stat(held).catch(() => undefined)
    for (const t of tampered) {
      const file = join(dir, `tampered-${t.what}.json`)
      await writeFile(file, JSON.stringify({ manifest: t.manifest }))
      const r = await inHost(host(fetcher), FLEET_NODE_CLI, ['artifact', 'fetch', file, '--storage-dir', storageDir(fetcher), '--json'])
      expect(r.code, `tampered ${t.what}: ${r.stdout}${r.stderr}`).toBe(1)
      expect(r.stdout, `tampered ${t.what}: no event, not even 'verified'`).toBe('')
      expect(r.stderr).toMatch(t.message)
      expect(r.stderr).toMatch(/\[FLEET_ERR_MANIFEST_SIGNATURE\]/)
      const path = artifactPath(storageDir(fetcher), t.manifest)
      if (path === held && heldBefore != null) {
        expect((await stat(held)).mtimeMs).toBe(heldBefore.mtimeMs)
        expect(await fileSha256(held)).toBe(original.sha256)
      } else {
        expect(await exists(path), `no file at ${path}`).toBe(false)
      }
    }
    // No tampered manifest was recorded either.
    const list = JSON.parse(await inHostOk(host(fetcher), FLEET_NODE_CLI, ['artifact', 'list', '--storage-dir', storageDir(fetcher), '--json'])) as ArtifactList
    for (const a of list.artifacts) expect(a.manifest).toEqual(original)
  }, TEST_TIMEOUT_MS)

  // Destructive (stops four nodes): keep it last.
  it('a tampered block is refused', async () => {
    const source = 1
    const fetcher = 4
    const { manifest } = demo.upload
    const held = await fileSha256(artifactPath(storageDir(source), manifest)).catch((err: Error) => err.message)
    expect(held, `host ${source} holds ${manifest.name}@${manifest.version} from the first test`).toBe(manifest.sha256)
    // Corrupt one leaf of demo@1.0.0 at host 1, which holds only that artifact's blocks.
    const block = await largestFile(join(storageDir(source), 'blocks'))
    const data = await readFile(block)
    const middle = Math.floor(data.length / 2)
    for (let k = middle; k < middle + 16; k++) data[k] = (data[k] ?? 0) ^ 0xff
    await writeFile(block, data)

    // Host 1 becomes the only source: every other node stops, host 4 restarts with nothing.
    await Promise.all([0, 2, 3, 5, fetcher].map(async i => await node(i).stop()))
    await rm(join(storageDir(fetcher), 'blocks'), { recursive: true, force: true })
    await rm(join(storageDir(fetcher), 'artifacts'), { recursive: true, force: true })
    const fresh = startNode(fetcher)
    await fresh.waitFor(`host ${fetcher} to connect to host ${source}`, s => connectedTo(s, [peerId(source)]), MESH_TIMEOUT_MS)

    const run = spawnFetch(host(fetcher), storageDir(fetcher), demo.manifestFile, ['--stall-timeout', '5'])
    const code = await waitForExit(run.child, CORRUPT_FETCH_WAIT_MS).catch(() => {
      run.child.kill('SIGKILL')
      return 'killed' as const
    })
    if (code === 'killed') await waitForExit(run.child, 10_000)
    const done = run.events.find(isDone)
    console.log(`fetch from a corrupt-only source: ${code === 'killed' ? `still running after ${CORRUPT_FETCH_WAIT_MS} ms, killed` : `exited ${code}: ${run.stderr().trim()}`}; ${done != null ? 'done' : 'no done event'}`)
    // The source checks every block it serves: it never sends the damaged one, says so, and stops offering it.
    expect(node(source).logs(), `host ${source}'s log`).toMatch(new RegExp(`block \\d+ of ${manifest.cid} cannot be served: .*corrupt`))
    // The fetcher, with no valid source left, fails with the reason instead of waiting forever.
    expect(code).toBe(1)
    expect(run.stderr()).toMatch(new RegExp(`no block of ${manifest.cid} arrived for 5 s: \\d+ of \\d+ blocks held`))
    const path = artifactPath(storageDir(fetcher), manifest)
    if (done != null) {
      // Only acceptable if the right bytes came from somewhere.
      expect(done.sha256).toBe(manifest.sha256)
      expect(await fileSha256(path)).toBe(manifest.sha256)
    } else {
      // Failed or still waiting when killed: no file, not even a partial one, was left.
      expect(code).not.toBe(0)
      expect(await readdir(join(path, '..')).catch(() => [])).toEqual([])
    }
    // The corrupt bytes never entered host 4's store (a block of that name there must be the right one).
    const blocksDir = join(storageDir(fetcher), 'blocks')
    const corruptName = basename(block)
    for (const p of await readdir(blocksDir, { recursive: true }).catch(() => [] as string[])) {
      if (basename(p) === corruptName) expect((await readFile(join(blocksDir, p))).equals(data)).toBe(false)
    }
  }, TEST_TIMEOUT_MS)
})
