/**
 * One HTTP exchange with the Docker Engine over its unix socket (node:http `socketPath`): no
 * TCP, so nothing leaves the device. Bodies are bounded; a daemon that cannot be reached or
 * stops answering is reported as unavailable, an answer with an error status as DockerApiError.
 */
import { request } from 'node:http'
import { pipeline } from 'node:stream/promises'
import { RuntimeUnavailableError } from '../errors.js'
import { API_PREFIX, RESPONSE_BYTES_MAX } from './constants.js'
import { DockerApiError } from './errors.js'
import type { AbortOptions } from '../../ports/index.js'
import type { Readable } from 'node:stream'

export interface EngineRequest extends AbortOptions {
  method: 'GET' | 'POST' | 'DELETE'
  /** Path and query, like `/containers/abc/json`. */
  path: string
  json?: unknown
  /** A streamed body (an image tar); sent as application/x-tar. */
  stream?: Readable
  timeoutMs: number
}

export interface EngineResponse { status: number, body: Buffer }

export async function engineRequest (socketPath: string, req: EngineRequest): Promise<EngineResponse> {
  req.signal?.throwIfAborted()
  const deadline = AbortSignal.timeout(req.timeoutMs)
  const signal = req.signal === undefined ? deadline : AbortSignal.any([req.signal, deadline])
  const json = req.json === undefined ? undefined : Buffer.from(JSON.stringify(req.json))
  const headers: Record<string, string | number> = {}
  if (json !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': json.length })
  if (req.stream !== undefined) headers['content-type'] = 'application/x-tar'

  let bodyError: unknown
  try {
    return await new Promise<EngineResponse>((resolve, reject) => {
      const outgoing = request({ socketPath, method: req.method, path: API_PREFIX + req.path, headers, signal }, res => {
        const chunks: Buffer[] = []
        let bytes = 0
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length
          if (bytes > RESPONSE_BYTES_MAX) {
            res.destroy()
            reject(new DockerApiError(`Docker Engine answered ${req.method} ${req.path} with more than ${RESPONSE_BYTES_MAX} bytes`, res.statusCode ?? 0))
            return
          }
          chunks.push(chunk)
        })
        res.once('error', reject)
        res.once('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }) })
      })
      outgoing.once('error', reject)
      if (req.stream !== undefined) pipeline(req.stream, outgoing).catch((err: Error) => { bodyError ??= err; reject(err) })
      else outgoing.end(json)
    })
  } catch (err) {
    if (req.signal?.aborted === true) throw req.signal.reason
    // The body could not be read (a missing image file): that is not the daemon's fault.
    if (err instanceof DockerApiError || (bodyError !== undefined && err === bodyError)) throw err
    const why = deadline.aborted ? `did not answer within ${req.timeoutMs} ms` : `cannot be reached (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`
    throw new RuntimeUnavailableError(`Docker Engine at ${socketPath} ${why}; check that dockerd runs (systemctl status docker)`, 'docker', { cause: err })
  }
}

/** Throws DockerApiError unless the status is one of `ok`, quoting the daemon's `message`. */
export function expectStatus (res: EngineResponse, ok: number[], what: string): void {
  if (ok.includes(res.status)) return
  const text = res.body.toString('utf8')
  let message = text.slice(0, 500)
  try {
    const parsed = JSON.parse(text) as { message?: unknown }
    if (typeof parsed.message === 'string') message = parsed.message
  } catch {
    // Not JSON: quote the start of the text as it is.
  }
  throw new DockerApiError(`Docker Engine refused to ${what} (HTTP ${res.status}): ${message}`, res.status)
}
