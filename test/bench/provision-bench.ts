/**
 * `npm run bench:provision [-- sizeMiB]` (default 256): fleetp's write + read-back verify of a
 * disk image to image files, side by side with `dd` of the same image (`dd bs=4M conv=fsync`,
 * then `sha256sum` of the copy as the read-back, the usual manual procedure), and from `.xz`
 * against `xz -dc | dd`. Each figure is the median of 3 runs; the ratio is dd time / fleetp time
 * (above 1 means fleetp is faster).
 *
 * The image is half seeded pseudo-random bytes, half zeros, roughly the mix of an OS image.
 * Targets are files on this machine's disk (no removable drive here): both sides fsync, and
 * both read back through the page cache, so these figures show the tool's own overhead, not a
 * card's speed. Memory: fleetp's peak RSS while writing 3 targets at once.
 */
import { execFile } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { promisify } from 'node:util'
import { openImage, writeAndVerify } from '../../node/provision/index.js'
import { systemClock } from '../../node/ports/index.js'
import { seededStream } from '../support/seeded-bytes.js'

const run = promisify(execFile)
const MiB = 1024 * 1024
const RUNS = 3
const sizeMiB = Number(process.argv[2] ?? 256)
if (!Number.isInteger(sizeMiB) || sizeMiB < 8) {
  console.error('usage: npm run bench:provision -- [sizeMiB]   (a whole number, at least 8; default 256)')
  process.exit(2)
}

async function * imageBytes (): AsyncGenerator<Uint8Array> {
  yield * seededStream(20_261_125, sizeMiB * MiB / 2)
  const zeros = new Uint8Array(MiB)
  for (let i = 0; i < sizeMiB / 2; i++) yield zeros
}

async function timed (fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return (performance.now() - start) / 1000
}

async function median (fn: () => Promise<number>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) times.push(await fn())
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!
}

const dir = await mkdtemp(join(tmpdir(), 'fleetp-bench-'))
try {
  const img = join(dir, 'source.img')
  await pipeline(Readable.from(imageBytes()), createWriteStream(img))
  await run('xz', ['-T1', '-0', '-k', img])
  const targets = (n: number): string[] => Array.from({ length: n }, (_, i) => join(dir, `out-${i}.img`))
  const clean = async (): Promise<void> => { for (const t of targets(3)) await rm(t, { force: true }) }

  const fleetp = async (source: string, n: number): Promise<number> => {
    await clean()
    return await timed(async () => {
      const results = await writeAndVerify(await openImage(source), targets(n).map(path => ({ path, kind: 'file' as const })), { clock: systemClock() })
      if (!results.every(r => r.ok)) throw new Error(`bench write failed: ${results.map(r => r.error?.message).join('; ')}`)
    })
  }
  const dd = async (source: 'raw' | 'xz', n: number): Promise<number> => {
    await clean()
    return await timed(async () => {
      await Promise.all(targets(n).map(async t => {
        const write = source === 'raw'
          ? `dd if="$1" of="$2" bs=4M conv=fsync status=none`
          : `xz -dc "$1.xz" | dd of="$2" bs=4M iflag=fullblock conv=fsync status=none`
        await run('bash', ['-c', `${write} && sha256sum "$2" >/dev/null`, '_', img, t])
      }))
    })
  }

  let peakRss = 0
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()) }, 50)
  const rows: Array<[string, number, number]> = []
  for (const n of [1, 3]) {
    rows.push([`raw .img → ${n} file${n > 1 ? 's' : ''}`, await median(async () => await fleetp(img, n)), await median(async () => await dd('raw', n))])
  }
  rows.push(['.img.xz → 1 file', await median(async () => await fleetp(`${img}.xz`, 1)), await median(async () => await dd('xz', 1))])
  clearInterval(sampler)

  console.log(`provision bench: ${sizeMiB} MiB image, write + read-back verify, median of ${RUNS} runs (node ${process.versions.node})`)
  console.log('case                 fleetp s   MiB/s/target   dd+sha256sum s   MiB/s/target   dd/fleetp')
  for (const [name, f, d] of rows) {
    console.log(`${name.padEnd(20)} ${f.toFixed(2).padStart(8)}   ${(sizeMiB / f).toFixed(0).padStart(12)}   ${d.toFixed(2).padStart(14)}   ${(sizeMiB / d).toFixed(0).padStart(12)}   ${(d / f).toFixed(2).padStart(9)}`)
  }
  console.log(`fleetp peak RSS over the run: ${(peakRss / MiB).toFixed(0)} MiB (one 4 MiB chunk in flight, whatever the number of targets)`)
} finally {
  await rm(dir, { recursive: true, force: true })
}
