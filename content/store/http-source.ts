import { HTTP_HEADERS_TIMEOUT_MS, HTTP_IDLE_TIMEOUT_MS, HTTP_REDIRECTS_MAX } from './constants.js'
import { ArtifactTooLargeError, ImportSourceError, UnsupportedSourceError } from './errors.js'

export interface HttpSourceOptions {
  signal?: AbortSignal
  /** Refuse a body announced (Content-Length) over this many bytes before reading it. */
  sizeBytesMax: number
  /** @default HTTP_HEADERS_TIMEOUT_MS */
  headersTimeoutMs?: number
  /** @default HTTP_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number
  /** @default HTTP_REDIRECTS_MAX */
  redirectsMax?: number
}

const HTTP_SCHEMES = new Set(['http:', 'https:'])

/**
 * The body of a GET of `url`, streamed. Redirects are followed by hand so each hop's scheme is
 * checked and their number is capped. This is an I/O edge: its timers are real ones (they bound
 * waiting on a socket and never decide domain behaviour).
 */
export async function * httpSource (url: URL, options: HttpSourceOptions): AsyncGenerator<Uint8Array> {
  const idle = new AbortController()
  const signal = options.signal == null ? idle.signal : AbortSignal.any([options.signal, idle.signal])
  let timer = setTimeout(() => { idle.abort(timeoutError(url, 'headers', options.headersTimeoutMs ?? HTTP_HEADERS_TIMEOUT_MS)) }, options.headersTimeoutMs ?? HTTP_HEADERS_TIMEOUT_MS)
  try {
    const response = await get(url, signal, options)
    clearTimeout(timer)
    if (response.body == null) return
    const idleMs = options.idleTimeoutMs ?? HTTP_IDLE_TIMEOUT_MS
    const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader()
    try {
      // The idle timer runs only while waiting on the server, never while the importer works.
      for (;;) {
        timer = setTimeout(() => { idle.abort(timeoutError(url, 'body', idleMs)) }, idleMs)
        const { done, value } = await reader.read()
        clearTimeout(timer)
        if (done) return
        yield value
      }
    } finally {
      // Stops the download when the importer stops early (an error, an abort, a size limit).
      await reader.cancel().catch(() => {})
    }
  } catch (err) {
    options.signal?.throwIfAborted()
    if (idle.signal.aborted) throw idle.signal.reason
    throw err
  } finally {
    clearTimeout(timer)
  }
}

async function get (start: URL, signal: AbortSignal, options: HttpSourceOptions): Promise<Response> {
  const redirectsMax = options.redirectsMax ?? HTTP_REDIRECTS_MAX
  let url = start
  for (let redirects = 0; ; redirects++) {
    const response = await fetchOnce(url, signal)
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location != null) {
      await response.body?.cancel()
      if (redirects >= redirectsMax) {
        throw new ImportSourceError(`GET ${start.href} was redirected more than ${redirectsMax} times (a redirect loop?); give the final URL`, { status: response.status })
      }
      url = new URL(location, url)
      if (!HTTP_SCHEMES.has(url.protocol)) {
        throw new UnsupportedSourceError(`GET ${start.href} redirected to ${url.protocol} (${url.href}); only http: and https: redirects are followed`)
      }
      continue
    }
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel()
      throw new ImportSourceError(`GET ${url.href} answered ${response.status} ${response.statusText}; check the URL and that the server serves the artifact`, { status: response.status })
    }
    const announced = Number(response.headers.get('content-length') ?? NaN)
    if (announced > options.sizeBytesMax) {
      await response.body?.cancel()
      throw new ArtifactTooLargeError(`GET ${url.href} announces ${announced} bytes, over the ${options.sizeBytesMax} byte limit; raise sizeBytesMax if this is intended`, options.sizeBytesMax)
    }
    return response
  }
}

async function fetchOnce (url: URL, signal: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { redirect: 'manual', signal })
  } catch (err) {
    if (signal.aborted) throw err
    const cause = (err as { cause?: { code?: string, message?: string } }).cause
    throw new ImportSourceError(`GET ${url.href} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}; check that the server is up and reachable`, { cause: err })
  }
}

function timeoutError (url: URL, phase: 'headers' | 'body', ms: number): ImportSourceError {
  return phase === 'headers'
    ? new ImportSourceError(`GET ${url.href}: no response within ${ms} ms; check that the server is up and reachable`)
    : new ImportSourceError(`GET ${url.href}: the body stalled for ${ms} ms; retry, or check the server and the network`)
}
