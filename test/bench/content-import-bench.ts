/**
 * `npx tsx test/bench/content-import-bench.ts [sizeMiB]` (default 1024): how fast the artifact
 * store imports a large file and how much memory it takes, side by side with plain sha256
 * hashing of the same file (the floor: import reads and hashes the file too, then chunks it
 * with rabin, hashes every block and writes it). Then the verified export of the result.
 *
 * The file is generated from a fixed seed while it is written, so memory stays flat and every
 * run imports the same bytes (the same CID). Memory: `process.resourceUsage().maxRSS` after each
 * phase (it only grows), and the largest RSS sampled during each phase.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { diskUsage, exportArtifact, importArtifact, openBlockstore } from '../../content/store/index.js'
import { seededStream } from '../support/seeded-bytes.js'

const MiB = 1024 * 1024
const SEED = 20_240_601
const RSS_SAMPLE_MS = 100

const sizeMiB = Number(process.argv[2] ?? 1024)
if (!Number.isInteger(sizeMiB) || sizeMiB < 1) {
  console.error('usage: npx tsx test/bench/content-import-bench.ts [sizeMiB]   (a whole number of MiB, default 1024)')
  process.exit(2)
}
const sizeBytes = sizeMiB * MiB

const maxRssMiB = (): number => process.resourceUsage().maxRSS / 1024
const mib = (bytes: number): string => (bytes / MiB).toFixed(1)

interface Phase { name: string, seconds: number, peakRssMiB: number, maxRssMiB: number }

/** Runs `fn`, timing it and sampling RSS while it runs. */
async function phase<T> (name: string, fn: () => Promise<T>): Promise<{ result: T, phase: Phase }> {
  let peak = process.memoryUsage.rss()
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()) }, RSS_SAMPLE_MS)
  const start = performance.now()
  try {
    const result = await fn()
    const seconds = (performance.now() - start) / 1000
    peak = Math.max(peak, process.memoryUsage.rss())
    return { result, phase: { name, seconds, peakRssMiB: peak / MiB, maxRssMiB: maxRssMiB() } }
  } finally {
    clearInterval(sampler)
  }
}

async function sha256File (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: MiB }) as AsyncIterable<Buffer>) hash.update(chunk)
  return hash.digest('hex')
}

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetd-import-bench-'))
  const file = join(dir, 'artifact.bin')
  try {
    console.log(`content import bench: ${sizeMiB} MiB, seed ${SEED}, node ${process.version}, temp dir ${dir}`)
    console.log(`RSS at start: ${mib(process.memoryUsage.rss())} MiB`)
    const phases: Phase[] = []

    const generated = await phase('generate file (seeded)', async () => { await pipeline(Readable.from(seededStream(SEED, sizeBytes)), createWriteStream(file)) })
    phases.push(generated.phase)

    const baseline = await phase('sha256 of the file (baseline)', async () => await sha256File(file))
    phases.push(baseline.phase)

    const blockstore = await openBlockstore(join(dir, 'store'))
    const imported = await phase('importArtifact', async () => await importArtifact({ blockstore }, { file }))
    phases.push(imported.phase)
    const { cid, sha256, blocks, newBytes } = imported.result
    if (Buffer.from(sha256).toString('hex') !== baseline.result) throw new Error('import sha256 differs from the baseline')

    const reimported = await phase('importArtifact again (all blocks present)', async () => await importArtifact({ blockstore }, { file }))
    phases.push(reimported.phase)

    const exported = await phase('exportArtifact (verify + materialise)', async () => await exportArtifact({ blockstore }, cid, {
      expectedSize: sizeBytes, expectedSha256: sha256, destination: join(dir, 'exported.bin')
    }))
    phases.push(exported.phase)

    const usage = await diskUsage(join(dir, 'store'))
    const baseSeconds = baseline.phase.seconds
    console.log('')
    console.log('| phase | seconds | MiB/s | × sha256 time | peak RSS in phase (MiB) | maxRSS so far (MiB) |')
    console.log('|---|---:|---:|---:|---:|---:|')
    for (const p of phases) {
      console.log(`| ${p.name} | ${p.seconds.toFixed(2)} | ${(sizeMiB / p.seconds).toFixed(0)} | ${(p.seconds / baseSeconds).toFixed(2)} | ${p.peakRssMiB.toFixed(0)} | ${p.maxRssMiB.toFixed(0)} |`)
    }
    console.log('')
    console.log(`root ${cid.toString()}`)
    console.log(`blocks: ${blocks} (${usage.blocks} files), mean block ${(sizeBytes / Math.max(1, blocks - 1) / 1024).toFixed(0)} KiB, new bytes on first import ${mib(newBytes)} MiB, on re-import ${mib(reimported.result.newBytes)} MiB`)
    console.log(`store size / file size: ${mib(usage.bytes)} / ${mib(sizeBytes)} MiB = ${(usage.bytes / sizeBytes).toFixed(4)}`)
    console.log(`import time / sha256 time: ${(imported.phase.seconds / baseSeconds).toFixed(2)}`)
    console.log(`peak RSS (process.resourceUsage().maxRSS): ${maxRssMiB().toFixed(0)} MiB for a ${sizeMiB} MiB file`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
