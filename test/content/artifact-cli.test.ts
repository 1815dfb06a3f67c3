/**
 * `fleets artifact list|show|verify` and `fleet-node artifact fetch|list|pin|gc` against real
 * fleet-node processes on loopback (mDNS off): node A seeds three versions of an app and a
 * manually kept tool, node B fetches one; then GC on A with `--retain-versions 1` deletes the
 * blocks only the dropped version had, and what it keeps still exports and verifies.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyStore } from '../../content/keys/index.js'
import { manifestToJson, parseManifest, signManifest } from '../../content/manifest/index.js'
import { exportArtifact, listDagBlocks, openBlockstore } from '../../content/store/index.js'
import { systemClock } from '../../node/ports/index.js'
import { FLEET_NODE_CLI, FLEETS_CLI, runCli, startFleetNode, tempDir } from '../support/fleet-node-proc.js'
import { seededBytes } from '../support/seeded-bytes.js'
import { blockFile } from '../support/store-fixtures.js'
import type { ArtifactDetails, ArtifactListing, GcReport, StoredVerification } from '../../content/service/index.js'
import type { ManifestJson } from '../../content/manifest/index.js'
import type { CliRun, RunningNode } from '../support/fleet-node-proc.js'

const execFileAsync = promisify(execFile)
const LOOPBACK = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--rpc-port', '0', '--heartbeat-ms', '1000']
const VERSION_BYTES = 2 * 1024 * 1024
const TEST_TIMEOUT_MS = 60_000

type Run = CliRun
interface Upload { cid: string, manifest: ManifestJson, file: string, manifestFile: string, bytes: Uint8Array }

const cli = async (file: string, args: string[]): Promise<CliRun> => await runCli(file, args, 30_000)

/** Runs a CLI that must succeed; the failure message carries its stderr. */
async function ok (file: string, args: string[]): Promise<string> {
  const r = await cli(file, args)
  if (r.code !== 0) throw new Error(`${args.join(' ')} failed (${r.code}): ${r.stderr}`)
  return r.stdout
}

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
const exists = async (path: string): Promise<boolean> => await stat(path).then(() => true, () => false)

/** A copy of `bytes` with `length` bytes at `offset` replaced: a small edit, as between releases. */
function edited (bytes: Uint8Array, offset: number, seed: number, length = 4096): Uint8Array {
  const copy = new Uint8Array(bytes)
  copy.set(seededBytes(seed, length), offset)
  return copy
}

describe('artifact commands on loopback fleet-nodes', () => {
  let dir: string
  let keysDir: string
  let a: RunningNode
  let b: RunningNode
  const uploads = new Map<string, Upload>()
  const upload = (ref: string): Upload => {
    const u = uploads.get(ref)
    if (u == null) throw new Error(`no upload ${ref}`)
    return u
  }
  const onA = (args: string[]): string[] => [...args, '--node-storage-dir', a.storageDir]

  async function publish (name: string, version: string, bytes: Uint8Array, extra: string[] = []): Promise<Upload> {
    const file = join(dir, `${name}-${version}.bin`)
    await writeFile(file, bytes)
    const stdout = await ok(FLEETS_CLI, onA(['artifact', 'upload', '--name', name, '--version', version, '--file', file,
      '--platform', 'linux/amd64', '--platform', 'linux/arm64', '--keys-dir', keysDir, '--json', ...extra]))
    const manifestFile = join(dir, `${name}-${version}.json`)
    await writeFile(manifestFile, stdout)
    const answer = JSON.parse(stdout) as { cid: string, manifest: ManifestJson }
    const u = { ...answer, file, manifestFile, bytes }
    uploads.set(`${name}@${version}`, u)
    return u
  }

  beforeAll(async () => {
    dir = await tempDir('artifact-cli')
    keysDir = join(dir, 'keys')
    await ok(FLEETS_CLI, ['keys', 'generate', 'release', '--keys-dir', keysDir])
    const token = (await ok(FLEETS_CLI, ['token', 'create', '--db', join(dir, 'fleet.db'), '--release-key', 'release', '--keys-dir', keysDir])).trim()
    a = startFleetNode({ storageDir: join(dir, 'a'), args: [...LOOPBACK, '--token', token, '--name', 'seed', '--retain-versions', '1'] })
    const address = (await a.waitFor('node a to listen', s => s.addresses.length > 0, 20_000)).addresses[0] ?? ''
    b = startFleetNode({ storageDir: join(dir, 'b'), args: [...LOOPBACK, '--token', token, '--name', 'fetcher', '--bootstrap', address] })
    const aPeer = (await a.status()).peerId
    await b.waitFor('node b to connect to a', s => s.connections.some(c => c.peerId === aPeer), 20_000)

    const v1 = seededBytes(1, VERSION_BYTES)
    const v2 = edited(v1, VERSION_BYTES / 2, 2)
    const v3 = edited(v2, VERSION_BYTES / 4, 3)
    for (const [version, bytes] of [['1.0.0', v1], ['2.0.0', v2], ['3.0.0', v3]] as const) await publish('demo', version, bytes)
    await publish('tool', '1.0.0', seededBytes(4, 300_000), ['--keep'])
  }, TEST_TIMEOUT_MS)

  afterAll(async () => {
    await Promise.allSettled([a, b].filter(n => n != null).map(async n => await n.stop()))
  })

  it('lists what the node holds: a table and JSON with signers, pins and disk usage', async () => {
    const table = await ok(FLEETS_CLI, onA(['artifact', 'list']))
    const keyId = upload('demo@1.0.0').manifest.signatures[0]?.keyId ?? '?'
    expect(table).toMatch(/^NAME\s+VERSION\s+PLATFORMS\s+TYPE\s+SIZE\s+CID\s+SIGNED BY\s+PINS\n/)
    for (const v of ['1.0.0', '2.0.0']) {
      expect(table).toMatch(new RegExp(`demo\\s+${v.replaceAll('.', '\\.')}\\s+linux/amd64,linux/arm64\\s+binary\\s+2\\.0 MiB\\s+${upload(`demo@${v}`).cid}\\s+${keyId}\\s+previous \\(gc removes it\\)`))
    }
    expect(table).toMatch(new RegExp(`demo\\s+3\\.0\\.0\\s+.*${upload('demo@3.0.0').cid}\\s+${keyId}\\s+previous\\n`))
    expect(table).toMatch(/tool\s+1\.0\.0\s+.*\s+manual\n/)
    expect(table).toMatch(/block store: \d+ blocks, [\d.]+ MiB; files: 0, 0 B\n/)
    expect(table).toContain('the newest 1 previous version(s) of each app')

    const list = JSON.parse(await ok(FLEETS_CLI, onA(['artifact', 'list', '--json']))) as ArtifactListing
    expect(list.artifacts.map(x => `${x.manifest.name}@${x.manifest.version}:${x.pins.join(',')}:${x.retained}`))
      .toEqual(['demo@1.0.0:previous:false', 'demo@2.0.0:previous:false', 'demo@3.0.0:previous:true', 'tool@1.0.0:manual:true'])
    expect(list.artifacts[0]?.manifest).toEqual(upload('demo@1.0.0').manifest)
    expect(list.retainPerApp).toBe(1)
    expect(list.disk.blocks).toBeGreaterThan(0)
    // fleet-node artifact list is the same view through the device's CLI.
    expect(await ok(FLEET_NODE_CLI, ['artifact', 'list', '--storage-dir', a.storageDir])).toBe(table)
  })

  it('shows one artifact by NAME@VERSION or by CID, and refuses bad names by the part that is wrong', async () => {
    const v2 = upload('demo@2.0.0')
    const text = await ok(FLEETS_CLI, onA(['artifact', 'show', 'demo@2.0.0']))
    expect(text).toMatch(new RegExp(`cid\\s+${v2.cid}\\n`))
    expect(text).toMatch(new RegExp(`sha256\\s+${sha256Hex(v2.bytes)}\\n`))
    expect(text).toMatch(/signatures\s+[0-9a-f]{16} \(trusted by this node\) [0-9a-f]{128}\n/)
    expect(text).toMatch(/pins\s+previous since \d{4}-/)
    expect(text).toMatch(/retained\s+no: the next fleet-node artifact gc removes it/)
    expect(text).toMatch(/blocks\s+(\d+) of \1 on disk \(complete\)/)
    expect(text).toContain(`${join(a.storageDir, 'artifacts', 'demo', '2.0.0', 'demo')} (not materialised`)

    const byCid = JSON.parse(await ok(FLEETS_CLI, onA(['artifact', 'show', '--cid', upload('demo@3.0.0').cid, '--json']))) as ArtifactDetails
    expect(byCid.manifest).toEqual(upload('demo@3.0.0').manifest)
    expect(byCid).toMatchObject({ ref: 'demo@3.0.0', retained: true, complete: true, signature: { ok: true }, sameCid: [] })
    expect(byCid.blocks.missing).toBe(0)
    expect(byCid.pinned.map(p => p.reason)).toEqual(['previous'])

    const missing = await cli(FLEETS_CLI, onA(['artifact', 'show', 'demo@9.9.9']))
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/this node holds no artifact demo@9\.9\.9; see fleet-node artifact list.*\[FLEET_ERR_ARTIFACT_NOT_FOUND\]/)
    const badRef = await cli(FLEETS_CLI, onA(['artifact', 'show', 'Demo@1.0.0']))
    expect(badRef.code).toBe(2)
    expect(badRef.stderr).toContain('ref.name: expected 1–100 lowercase letters')
    const badCid = await cli(FLEETS_CLI, onA(['artifact', 'show', '--cid', 'not-a-cid']))
    expect(badCid.code).toBe(2)
    expect(badCid.stderr).toContain("--cid must be a CID like bafy…, got 'not-a-cid'")
  })

  it('verifies a manifest file and its artifact file with the admin keys, and says what is wrong otherwise', async () => {
    const v1 = upload('demo@1.0.0')
    const keyId = v1.manifest.signatures[0]?.keyId ?? '?'
    const valid = await cli(FLEETS_CLI, ['artifact', 'verify', '--manifest', v1.manifestFile, '--file', v1.file, '--keys-dir', keysDir])
    expect(valid.code, valid.stderr).toBe(0)
    expect(valid.stdout).toContain(`manifest demo@1.0.0 (cid ${v1.cid}) is valid: signed by ${keyId}`)
    expect(valid.stdout).toContain(`file ${v1.file} matches: 2.0 MiB (${VERSION_BYTES} bytes), sha256 ${sha256Hex(v1.bytes)}`)

    const publicKey = (JSON.parse(await ok(FLEETS_CLI, ['keys', 'export', 'release', '--keys-dir', keysDir, '--json'])) as { publicKey: string }).publicKey
    const byKey = JSON.parse(await ok(FLEETS_CLI, ['artifact', 'verify', '--manifest', v1.manifestFile, '--trusted-key', publicKey, '--json'])) as { ok: boolean, keyIds: string[] }
    expect(byKey).toMatchObject({ ok: true, keyIds: [keyId] })

    const wrongFile = await cli(FLEETS_CLI, ['artifact', 'verify', '--manifest', v1.manifestFile, '--file', upload('demo@2.0.0').file, '--keys-dir', keysDir])
    expect(wrongFile.code).toBe(1)
    expect(wrongFile.stderr).toContain(`has sha256 ${sha256Hex(upload('demo@2.0.0').bytes)}, manifest demo@1.0.0 says ${sha256Hex(v1.bytes)}`)
    expect(wrongFile.stderr).toContain('[FLEET_ERR_ARTIFACT_CORRUPT]')

    const tamper = async (what: string, change: (m: ManifestJson) => ManifestJson): Promise<Run> => {
      const file = join(dir, `tampered-${what}.json`)
      await writeFile(file, JSON.stringify({ cid: v1.cid, manifest: change(v1.manifest) }))
      return await cli(FLEETS_CLI, ['artifact', 'verify', '--manifest', file, '--keys-dir', keysDir, '--json'])
    }
    const size = await tamper('size', m => ({ ...m, size: m.size + 1 }))
    expect(size.code).toBe(1)
    expect(size.stderr).toMatch(new RegExp(`signature by trusted key ${keyId} does not match manifest demo@1\\.0\\.0: the manifest or its signature was altered.*\\[FLEET_ERR_MANIFEST_SIGNATURE\\]`))
    expect(JSON.parse(size.stdout)).toMatchObject({ ok: false, error: { code: 'FLEET_ERR_MANIFEST_SIGNATURE' } })
    const field = await tamper('field', m => ({ ...m, sha256: 'xyz' }))
    expect(field.code).toBe(1)
    expect(field.stderr).toMatch(/invalid manifest: manifest\.sha256: expected 64 hex characters.*take it again from fleets artifact upload --json.*\[FLEET_ERR_MANIFEST_INVALID\]/)

    const other = (JSON.parse(await ok(FLEETS_CLI, ['keys', 'generate', 'other', '--keys-dir', join(dir, 'other-keys'), '--json'])) as { publicKey: string }).publicKey
    const untrusted = await cli(FLEETS_CLI, ['artifact', 'verify', '--manifest', v1.manifestFile, '--trusted-key', other])
    expect(untrusted.code).toBe(1)
    expect(untrusted.stderr).toMatch(new RegExp(`no signature by a trusted key: signed by ${keyId}.*pass the signer's public key with --trusted-key`))
  })

  it('refuses bad verify flags by name', async () => {
    const cases: Array<[string[], string]> = [
      [['--file', '/tmp/x'], '--file goes with --manifest FILE'],
      [['--manifest', '/nonexistent.json', '--keys-dir', keysDir], 'cannot read --manifest /nonexistent.json: ENOENT'],
      [['--manifest', upload('demo@1.0.0').manifestFile, '--trusted-key', 'abc'], '--trusted-key takes a raw Ed25519 public key in base64'],
      [['--manifest', upload('demo@1.0.0').manifestFile, 'demo@1.0.0'], 'give --manifest FILE or NAME@VERSION, not both'],
      [['--manifest-file', 'x'], "Unknown option '--manifest-file'"],
      [[], 'give --manifest FILE, or NAME@VERSION']
    ]
    for (const [args, message] of cases) {
      const r = await cli(FLEETS_CLI, ['artifact', 'verify', ...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toContain(message)
    }
  })

  it('verifies a held artifact end to end on the node, and names a corrupt block', async () => {
    const r = await cli(FLEETS_CLI, onA(['artifact', 'verify', 'demo@2.0.0']))
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`demo@2\\.0\\.0 \\(cid ${upload('demo@2.0.0').cid}\\) is valid: .*(\\d+) of \\1 blocks verified; content ${VERSION_BYTES} bytes, sha256 ${sha256Hex(upload('demo@2.0.0').bytes)}`))

    // Corrupt a leaf only tool@1.0.0 has, check, then restore it.
    const tool = upload('tool@1.0.0')
    const blockstore = await openBlockstore(a.storageDir)
    const leaf = (await listDagBlocks({ blockstore }, CID.parse(tool.cid))).at(-1)
    if (leaf == null) throw new Error('tool has no blocks')
    const path = blockFile(a.storageDir, leaf)
    const original = await readFile(path)
    await writeFile(path, Buffer.concat([original.subarray(0, 10), Buffer.from('tampered'), original.subarray(18)]))
    try {
      const bad = await cli(FLEETS_CLI, onA(['artifact', 'verify', 'tool@1.0.0', '--json']))
      expect(bad.code).toBe(1)
      const report = JSON.parse(bad.stdout) as StoredVerification
      expect(report.blocks.corruptCids).toEqual([leaf.toString()])
      expect(report.problems.map(p => p.code)).toEqual(['FLEET_ERR_ARTIFACT_CORRUPT'])
      expect(bad.stderr).toMatch(new RegExp(`tool@1\\.0\\.0 failed verification:\\n  blocks: 1 of \\d+ blocks of tool@1\\.0\\.0 are corrupt \\(first: ${leaf.toString()}\\).*fetch the artifact again \\[FLEET_ERR_ARTIFACT_CORRUPT\\]`))
    } finally {
      await writeFile(path, original)
    }
  })

  it('a fetching node pins plan while fetching and previous once verified; a changed file fails verify', async () => {
    const v3 = upload('demo@3.0.0')
    const fetched = await ok(FLEET_NODE_CLI, ['artifact', 'fetch', v3.manifestFile, '--storage-dir', b.storageDir])
    const path = join(b.storageDir, 'artifacts', 'demo', '3.0.0', 'demo')
    expect(fetched.trim()).toBe(path)
    const list = JSON.parse(await ok(FLEET_NODE_CLI, ['artifact', 'list', '--storage-dir', b.storageDir, '--json'])) as ArtifactListing
    expect(list.artifacts.map(x => [x.manifest.version, x.pins, x.fileBytes])).toEqual([['3.0.0', ['previous'], VERSION_BYTES]])
    expect(list.pins.map(p => p.reason)).toEqual(['previous'])
    expect(list.files).toEqual({ count: 1, bytes: VERSION_BYTES })

    const good = JSON.parse(await ok(FLEET_NODE_CLI, ['artifact', 'verify', 'demo@3.0.0', '--storage-dir', b.storageDir, '--json'])) as StoredVerification
    expect(good).toMatchObject({ ok: true, file: { present: true, ok: true, sha256: sha256Hex(v3.bytes) }, content: { checked: true, ok: true } })

    const bytes = await readFile(path)
    bytes[100] = (bytes[100] ?? 0) ^ 0xff
    await writeFile(path, bytes)
    const bad = await cli(FLEET_NODE_CLI, ['artifact', 'verify', 'demo@3.0.0', '--storage-dir', b.storageDir])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(new RegExp(`file ${path} has sha256 [0-9a-f]{64}, the manifest says ${sha256Hex(v3.bytes)}: it was changed on disk.*fetch the artifact again`))
  })

  it('a fetch pins plan before any block arrives, and keeps the pin when it does not finish (to resume)', async () => {
    // A signed manifest of content nobody holds: the fetch can only wait, or fail.
    const key = await keyStore({ dir: keysDir })({ clock: systemClock() }).load('release')
    const root = CID.createV1(raw.code, await sha256.digest(seededBytes(99, 1000)))
    const ghost = await signManifest(parseManifest({
      name: 'ghost', version: '1.0.0', platforms: ['linux/amd64'], type: 'binary', size: 1000,
      sha256: new Uint8Array(32), cid: root.toString(), createdMs: Date.now(), signatures: []
    }), key)
    const file = join(dir, 'ghost.json')
    await writeFile(file, JSON.stringify({ manifest: manifestToJson(ghost) }))
    const r = await execFileAsync(process.execPath, [FLEET_NODE_CLI, 'artifact', 'fetch', file, '--storage-dir', b.storageDir, '--json'], { timeout: 3_000 })
      .then(() => 'finished', (err: { killed?: boolean }) => err.killed === true ? 'killed' : 'failed')
    expect(r).not.toBe('finished')
    const list = JSON.parse(await ok(FLEET_NODE_CLI, ['artifact', 'list', '--storage-dir', b.storageDir, '--json'])) as ArtifactListing
    expect(list.pins.filter(p => p.app === 'ghost')).toMatchObject([{ version: '1.0.0', reason: 'plan', cid: root.toString() }])
    expect(list.artifacts.map(x => x.manifest.name)).not.toContain('ghost')
    // The abandoned fetch released the store lock: GC, which needs it alone, runs.
    const gcReport = JSON.parse(await ok(FLEET_NODE_CLI, ['artifact', 'gc', '--dry-run', '--json', '--storage-dir', b.storageDir])) as GcReport
    expect(gcReport.retained.map(p => `${p.app}@${p.version}:${p.reason}`)).toEqual(['demo@3.0.0:previous', 'ghost@1.0.0:plan'])
    expect((await ok(FLEET_NODE_CLI, ['artifact', 'unpin', 'ghost@1.0.0', '--reason', 'plan', '--storage-dir', b.storageDir]))).toBe('ghost@1.0.0: plan pin removed\n')
  })

  it('gc with retain 1 deletes the blocks only the dropped version had; kept versions still export and verify', async () => {
    // demo@2.0.0 runs: it stays, demo@3.0.0 is the one previous version kept, demo@1.0.0 goes.
    expect(await ok(FLEET_NODE_CLI, ['artifact', 'pin', 'demo@2.0.0', '--reason', 'running', '--storage-dir', a.storageDir])).toBe('demo@2.0.0 pinned: running\n')
    const blockstore = await openBlockstore(a.storageDir)
    const dag = async (ref: string): Promise<CID[]> => await listDagBlocks({ blockstore }, CID.parse(upload(ref).cid))
    const kept = [...await dag('demo@2.0.0'), ...await dag('demo@3.0.0'), ...await dag('tool@1.0.0')]
    const multihash = (c: CID): string => Buffer.from(c.multihash.bytes).toString('hex')
    const keptKeys = new Set(kept.map(multihash))
    const dropped = (await dag('demo@1.0.0')).filter(c => !keptKeys.has(multihash(c)))
    // Versions share most blocks (content-defined chunks): v1 differs from v2 in a block or two.
    expect(dropped.length).toBeGreaterThan(1)
    expect(dropped.length).toBeLessThan((await dag('demo@1.0.0')).length / 2)

    const dry = JSON.parse(await ok(FLEET_NODE_CLI, ['artifact', 'gc', '--dry-run', '--json', '--storage-dir', a.storageDir])) as GcReport
    expect(dry).toMatchObject({ dryRun: true, deletedBlocks: dropped.length, removedArtifacts: [{ ref: 'demo@1.0.0' }] })
    for (const cid of dropped) expect(await exists(blockFile(a.storageDir, cid))).toBe(true)

    const text = await ok(FLEET_NODE_CLI, ['artifact', 'gc', '--storage-dir', a.storageDir])
    expect(text).toMatch(new RegExp(`^deleted ${dropped.length} blocks \\(`))
    expect(text).toContain(`removed demo@1.0.0 (${upload('demo@1.0.0').cid})`)
    expect(text).toMatch(/kept demo@2\.0\.0 \(running\), demo@3\.0\.0 \(previous\), tool@1\.0\.0 \(manual\)/)
    expect(text).toMatch(/before: \d+ blocks, .*\nafter: \d+ blocks, /)
    for (const cid of dropped) expect(await exists(blockFile(a.storageDir, cid)), `${cid.toString()} deleted`).toBe(false)
    for (const cid of kept) expect(await exists(blockFile(a.storageDir, cid)), `${cid.toString()} kept`).toBe(true)

    const again = JSON.parse(await ok(FLEET_NODE_CLI, ['artifact', 'gc', '--json', '--storage-dir', a.storageDir])) as GcReport
    expect(again.deletedBlocks).toBe(0)
    expect(again.before).toEqual(again.after)
    const list = JSON.parse(await ok(FLEETS_CLI, onA(['artifact', 'list', '--json']))) as ArtifactListing
    expect(list.artifacts.map(x => `${x.manifest.name}@${x.manifest.version}`)).toEqual(['demo@2.0.0', 'demo@3.0.0', 'tool@1.0.0'])
    expect(list.disk.blocks).toBe(again.after.blocks)

    for (const ref of ['demo@2.0.0', 'demo@3.0.0', 'tool@1.0.0']) {
      const u = upload(ref)
      const out = join(dir, 'exported', ref)
      await exportArtifact({ blockstore }, CID.parse(u.cid), { expectedSize: u.bytes.length, expectedSha256: u.manifest.sha256, destination: out })
      expect((await readFile(out)).equals(u.bytes), `${ref} exports byte-identical`).toBe(true)
      const verified = await cli(FLEETS_CLI, onA(['artifact', 'verify', ref]))
      expect(verified.code, verified.stderr).toBe(0)
    }
    const gone = await cli(FLEETS_CLI, onA(['artifact', 'verify', 'demo@1.0.0']))
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain('[FLEET_ERR_ARTIFACT_NOT_FOUND]')
  }, TEST_TIMEOUT_MS)
})
