import { createReadStream } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { FILE_READ_BYTES, IMPORT_SLICE_BYTES_MAX } from './constants.js'
import { ImportSourceError, UnsupportedSourceError } from './errors.js'
import { httpSource } from './http-source.js'
import type { HttpSourceOptions } from './http-source.js'

/**
 * What can be imported: a byte stream, a local file, or a URL (`http:`, `https:`, `file:` or a
 * plain path). Nothing else: an artifact must come from somewhere this node can account for.
 */
export type ImportSource = AsyncIterable<Uint8Array> | { file: string } | { url: string }

const SCHEME = /^([a-z][a-z0-9+.-]*):/i

/** Opens `source` as a stream of slices no larger than `IMPORT_SLICE_BYTES_MAX`. */
export function openSource (source: ImportSource, options: HttpSourceOptions): AsyncIterable<Uint8Array> {
  return slices(open(source, options))
}

function open (source: ImportSource, options: HttpSourceOptions): AsyncIterable<Uint8Array> {
  if (Symbol.asyncIterator in source) return source
  if ('file' in source && typeof source.file === 'string') return fileSource(source.file, options.signal)
  if ('url' in source && typeof source.url === 'string') {
    const scheme = SCHEME.exec(source.url)?.[1]?.toLowerCase()
    if (scheme == null) return fileSource(source.url, options.signal)
    if (scheme === 'file') return fileSource(fileURLToPath(source.url), options.signal)
    if (scheme === 'http' || scheme === 'https') return httpSource(new URL(source.url), options)
    throw new UnsupportedSourceError(`cannot import from ${scheme}: URLs (${source.url}); use an http:, https: or file: URL, or a file path`)
  }
  throw new UnsupportedSourceError('the import source must be an async iterable of bytes, { file: path } or { url: string }')
}

async function * fileSource (path: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  try {
    yield * createReadStream(path, { highWaterMark: FILE_READ_BYTES, signal }) as AsyncIterable<Buffer>
  } catch (err) {
    signal?.throwIfAborted()
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      throw new ImportSourceError(`cannot read ${path} (${code}); check the path and its permissions`, { cause: err })
    }
    throw err
  }
}

async function * slices (source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    for (let offset = 0; offset < chunk.byteLength; offset += IMPORT_SLICE_BYTES_MAX) {
      yield chunk.subarray(offset, offset + IMPORT_SLICE_BYTES_MAX)
    }
  }
}
