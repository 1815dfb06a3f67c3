import { execFile, spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { createGunzip } from 'node:zlib'
import { promisify } from 'node:util'
import { CHUNK_BYTES } from './constants.js'
import { ImageSourceError } from './errors.js'

const execFileAsync = promisify(execFile)

export interface ImageStream {
  /**
   * The raw disk image bytes, decompressed. A chunk is valid only until the next one is
   * pulled (raw images reuse one read buffer): consumers copy what they keep.
   */
  chunks: AsyncIterable<Buffer>
  /** Stops reading (on an error of the consumer). */
  close(): void
  /** Size of the raw image, when it is known before reading (always for .img and .xz). */
  sizeBytes?: number
  format: 'raw' | 'xz' | 'gzip'
  /** Resolves when the decompressor exited cleanly; rejects naming the image when it did not. */
  done: Promise<void>
}

/**
 * Opens an image for streaming. `.xz` is decompressed by Debian's `xz` (xz-utils) in a child
 * process: liblzma is the reference decoder, runs on the other core while this one writes,
 * detects truncated or corrupt input by its CRC, and needs no native npm module (`lzma-native`
 * builds against liblzma from a prebuilt download, which fails offline; the WebAssembly
 * decoders are browser-oriented, single-threaded and slower). `--robot --list` gives the
 * uncompressed size up front for progress and the target-size check. `.gz` uses zlib.
 */
export async function openImage (path: string): Promise<ImageStream> {
  if (/\.xz$/i.test(path)) {
    const sizeBytes = await xzSize(path)
    const child = spawn('xz', ['--decompress', '--stdout', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-2000) })
    const done = new Promise<void>((resolve, reject) => {
      child.on('error', err => { reject(new ImageSourceError(`cannot run xz to decompress ${path}: ${err.message}; install xz-utils`, { cause: err })) })
      child.on('close', (code, signal) => {
        if (code === 0) resolve()
        else reject(new ImageSourceError(`xz failed on ${path} (${signal ?? `exit ${code}`}): ${stderr.trim()}; the download is truncated or corrupt — delete it and fetch it again`))
      })
    })
    done.catch(() => {})
    return { chunks: child.stdout, close: () => { child.stdout.destroy(); child.kill() }, sizeBytes, format: 'xz', done }
  }
  if (/\.zip$/i.test(path)) throw new ImageSourceError(`${path} is a .zip archive; unzip it and give the .img inside with -image-url`)
  if (/\.gz$/i.test(path)) {
    const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES }).pipe(createGunzip({ chunkSize: 256 * 1024 }))
    return { chunks: stream, close: () => { stream.destroy() }, format: 'gzip', done: Promise.resolve() }
  }
  const info = await stat(path)
  let closed = false
  return { chunks: rawChunks(path, () => closed), close: () => { closed = true }, sizeBytes: info.size, format: 'raw', done: Promise.resolve() }
}

/**
 * Positioned reads into one reused buffer: measured here about 2.5x faster than a
 * fs.ReadStream of the same chunk size (no per-chunk allocation, no stream machinery).
 */
async function * rawChunks (path: string, closed: () => boolean): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r')
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
  try {
    for (let position = 0; !closed();) {
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, position)
      if (bytesRead === 0) return
      position += bytesRead
      yield buffer.subarray(0, bytesRead)
    }
  } finally {
    await fh.close()
  }
}

async function xzSize (path: string): Promise<number> {
  let out: string
  try {
    out = (await execFileAsync('xz', ['--robot', '--list', '--', path])).stdout
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string }
    if (e.code === 'ENOENT') throw new ImageSourceError('xz is not installed; install xz-utils (apt-get install xz-utils) to provision from .xz images', { cause: err })
    throw new ImageSourceError(`${path} is not a valid .xz file: ${(e.stderr ?? e.message).trim()}`, { cause: err })
  }
  const totals = out.split('\n').find(l => l.startsWith('totals\t'))?.split('\t')
  const size = Number(totals?.[4])
  if (!Number.isSafeInteger(size) || size <= 0) throw new ImageSourceError(`cannot read the uncompressed size of ${path} from xz --list`)
  return size
}
