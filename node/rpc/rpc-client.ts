import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RpcUnavailableError } from './errors.js'
import { RPC_FILE } from './rpc-server.js'
import type { RpcEndpointFile } from './rpc-server.js'

const RPC_REQUEST_TIMEOUT_MS = 5_000

/** Calls the local status API of the node that owns `storageDir`. */
export async function rpcGet<T> (storageDir: string, path: string): Promise<T> {
  const res = await rpcFetch(storageDir, 'GET', path)
  return await res.json() as T
}

/** POSTs a JSON command; resolves with the JSON answer. */
export async function rpcPost<T> (storageDir: string, path: string, body: unknown): Promise<T> {
  const res = await rpcFetch(storageDir, 'POST', path, body)
  return await res.json() as T
}

/** POSTs a command whose answer is NDJSON (progress lines), yielding each line as it arrives. */
export async function * rpcStream<T> (storageDir: string, path: string, body: unknown, signal?: AbortSignal): AsyncGenerator<T> {
  const res = await rpcFetch(storageDir, 'POST', path, body, signal, false)
  let buffered = ''
  for await (const chunk of res.body ?? []) {
    buffered += Buffer.from(chunk as Uint8Array).toString('utf8')
    let nl: number
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      if (line.trim() === '') continue
      const item = JSON.parse(line) as T & { error?: string, message?: string }
      // A failure after the answer started arrives as a last line carrying an error code.
      if (typeof item.error === 'string') throw Object.assign(new Error(item.message ?? item.error), { code: item.error })
      yield item as Awaited<T>
    }
  }
}

async function rpcFetch (storageDir: string, method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal, timeout = true): Promise<Response> {
  let endpoint: RpcEndpointFile
  try {
    endpoint = JSON.parse(await readFile(join(storageDir, RPC_FILE), 'utf8')) as RpcEndpointFile
  } catch (err) {
    throw new RpcUnavailableError(`no fleet-node is running with storage dir ${storageDir} (${RPC_FILE} not readable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); start one with fleet-node join, or pass its --storage-dir`, { cause: err })
  }
  let res: Response
  try {
    const signals = [signal, timeout ? AbortSignal.timeout(RPC_REQUEST_TIMEOUT_MS) : undefined].filter(s => s != null)
    res = await fetch(`http://127.0.0.1:${endpoint.port}${path}`, {
      method,
      headers: { authorization: `Bearer ${endpoint.secret}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {})
    })
  } catch (err) {
    throw new RpcUnavailableError(`fleet-node (pid ${endpoint.pid}) does not answer on 127.0.0.1:${endpoint.port}: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}; it may have stopped uncleanly — start it again with fleet-node join`, { cause: err })
  }
  if (!res.ok) {
    const answer = await res.json().catch(() => ({})) as { message?: string, error?: string }
    throw Object.assign(new Error(answer.message ?? `status API answered ${res.status}`), { code: answer.error })
  }
  return res
}
