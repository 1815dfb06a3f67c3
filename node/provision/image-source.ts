import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, isAbsolute, join, resolve } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { CHECKSUM_FILE_BYTES_MAX, DOWNLOAD_IDLE_TIMEOUT_MS } from './constants.js'
import { ImageChecksumError, ImageSourceError } from './errors.js'
import type { AbortOptions } from '../ports/index.js'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'

export interface ResolvedImage {
  /** Local file to read (the cache entry for a download). */
  path: string
  /** SHA-256 of the file as published (compressed bytes), when one was known and matched. */
  sha256?: string
  /** Where the checksum came from: the -image-sha256 flag, the URL's .sha256 file, or none. */
  checksumFrom: 'flag' | 'sidecar' | 'cache-record' | 'none'
  cached: boolean
}

export interface ImageSourceInit {
  /** A local path, a file:// URL, or an http(s) URL. */
  source: string
  /** Expected SHA-256 (hex) of the source file. */
  sha256?: string
  cacheDir: string
  onProgress?(event: { bytes: number, totalBytes?: number }): void
}

/**
 * Finds the OS image: local paths and file:// URLs are used in place (offline provisioning),
 * http(s) downloads go to a cache keyed by URL and are kept only after their SHA-256 matched —
 * the flag's value, else the `<url>.sha256` file the publisher puts beside the image. A
 * download with no checksum is refused: an unverified OS image is not flashed onto a fleet.
 */
export async function resolveImage (init: ImageSourceInit, options: AbortOptions = {}): Promise<ResolvedImage> {
  const expected = normaliseSha(init.sha256)
  if (/^https?:\/\//i.test(init.source)) return await download(init, expected, options)
  const path = init.source.startsWith('file://') ? fileURLToPath(init.source) : resolve(init.source)
  if (!isAbsolute(path)) throw new ImageSourceError(`image path ${init.source} cannot be resolved`)
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new ImageSourceError(`image ${path} is not a file`)
  } catch (err) {
    if (err instanceof ImageSourceError) throw err
    throw new ImageSourceError(`image ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check -image-url`, { cause: err })
  }
  if (expected == null) return { path, checksumFrom: 'none', cached: false }
  await checkFile(path, expected, 'flag', options)
  return { path, sha256: expected, checksumFrom: 'flag', cached: false }
}

function normaliseSha (value: string | undefined): string | undefined {
  if (value == null) return undefined
  const hex = value.trim().toLowerCase()
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new ImageChecksumError(`-image-sha256 must be 64 hex digits, got '${value}'`)
  return hex
}

export async function sha256File (path: string, options: AbortOptions = {}): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), async function * (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) hash.update(chunk)
  }, options)
  return hash.digest('hex')
}

async function checkFile (path: string, expected: string, from: string, options: AbortOptions): Promise<void> {
  const actual = await sha256File(path, options)
  if (actual !== expected) {
    throw new ImageChecksumError(`image ${path} has SHA-256 ${actual}, but the ${from === 'flag' ? '-image-sha256 flag' : 'published checksum'} says ${expected}; the image is corrupt or not the one you meant — nothing was written`)
  }
}

async function download (init: ImageSourceInit, flagSha: string | undefined, options: AbortOptions): Promise<ResolvedImage> {
  const url = new URL(init.source)
  const key = createHash('sha256').update(url.href).digest('hex').slice(0, 16)
  const dir = join(init.cacheDir, key)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const name = basename(url.pathname) === '' ? 'image' : basename(url.pathname)
  const path = join(dir, name)
  const record = join(dir, `${name}.sha256`)
  const cachedSha = await readFile(record, 'utf8').then(s => s.trim(), () => undefined)
  let expected = flagSha
  let from: ResolvedImage['checksumFrom'] = 'flag'
  if (expected == null) {
    expected = await sidecarChecksum(url, name, options).catch(err => {
      if (cachedSha != null) return undefined
      throw err
    })
    from = 'sidecar'
    if (expected == null) { expected = cachedSha; from = 'cache-record' }
  }
  if (expected == null) throw new Error('unreachable: no checksum')
  if (cachedSha === expected) {
    // The cache entry was verified when it was stored; hash it again anyway: a cache on a
    // flaky disk must not hand a bad image to sixteen cards.
    if (await sha256File(path, options).catch(() => undefined) === expected) return { path, sha256: expected, checksumFrom: from, cached: true }
  }
  const part = `${path}.part`
  const hash = createHash('sha256')
  const res = await fetch(url, { signal: options.signal ?? null }).catch(err => {
    throw new ImageSourceError(`cannot download ${url.href}: ${(err as Error).message}; check the URL and the network, or give a local file with -image-url`, { cause: err })
  })
  if (!res.ok || res.body == null) throw new ImageSourceError(`cannot download ${url.href}: HTTP ${res.status}; check -image-url`)
  const totalBytes = Number(res.headers.get('content-length') ?? NaN)
  let bytes = 0
  const counter = new Transform({
    transform (chunk: Buffer, _enc, cb) {
      hash.update(chunk)
      bytes += chunk.length
      init.onProgress?.({ bytes, ...(Number.isFinite(totalBytes) ? { totalBytes } : {}) })
      cb(null, chunk)
    }
  })
  const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)
  const idle = idleTimeout(body)
  try {
    await pipeline(body, counter, createWriteStream(part, { mode: 0o600 }), options)
  } catch (err) {
    await rm(part, { force: true })
    throw new ImageSourceError(`download of ${url.href} failed after ${bytes} bytes: ${(err as Error).message}`, { cause: err })
  } finally {
    clearTimeout(idle.timer)
  }
  const actual = hash.digest('hex')
  if (actual !== expected) {
    await rm(part, { force: true })
    throw new ImageChecksumError(`${url.href} downloaded with SHA-256 ${actual}, but the ${from === 'flag' ? '-image-sha256 flag' : 'published checksum'} says ${expected}; the download is corrupt or was tampered with — nothing was written, the bad file was deleted`)
  }
  await rename(part, path)
  await writeFile(record, expected + '\n', { mode: 0o600 })
  return { path, sha256: expected, checksumFrom: from, cached: false }
}

/** Aborts a download that sends nothing for DOWNLOAD_IDLE_TIMEOUT_MS. */
function idleTimeout (body: Readable): { timer: NodeJS.Timeout } {
  const state = { timer: setTimeout(() => {}, 0) }
  const arm = (): void => {
    clearTimeout(state.timer)
    state.timer = setTimeout(() => body.destroy(new Error(`no data for ${DOWNLOAD_IDLE_TIMEOUT_MS / 1000} s`)), DOWNLOAD_IDLE_TIMEOUT_MS)
  }
  body.on('data', arm)
  arm()
  return state
}

/** `sha256sum` output (`<hex>  <name>`) or a bare hex digest, published at `<final url>.sha256`. */
async function sidecarChecksum (url: URL, name: string, options: AbortOptions): Promise<string> {
  // Mirrors redirect "latest" links to the real file; its checksum sits beside that file.
  const head = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: options.signal ?? null }).catch(() => undefined)
  const finalUrl = head?.url != null && head.url !== '' ? head.url : url.href
  const sumUrl = `${finalUrl}.sha256`
  const res = await fetch(sumUrl, { signal: options.signal ?? null }).catch(err => {
    throw new ImageSourceError(`cannot fetch the checksum ${sumUrl}: ${(err as Error).message}; pass -image-sha256 HEX`, { cause: err })
  })
  if (!res.ok) throw new ImageChecksumError(`no published checksum at ${sumUrl} (HTTP ${res.status}); pass the image's SHA-256 with -image-sha256 HEX — fleetp does not flash unverified downloads`)
  const text = await res.text()
  if (text.length > CHECKSUM_FILE_BYTES_MAX) throw new ImageChecksumError(`${sumUrl} is not a checksum file (${text.length} bytes)`)
  const line = text.split('\n').find(l => l.trim() !== '' && (l.includes(basename(new URL(finalUrl).pathname)) || l.includes(name) || /^[0-9a-fA-F]{64}\s*$/.test(l.trim())))
  const hex = line?.trim().split(/\s+/)[0]?.toLowerCase()
  if (hex == null || !/^[0-9a-f]{64}$/.test(hex)) throw new ImageChecksumError(`${sumUrl} holds no SHA-256 for ${name}; pass -image-sha256 HEX`)
  return hex
}
