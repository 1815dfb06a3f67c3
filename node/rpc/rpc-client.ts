import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RpcUnavailableError } from './errors.js'
import { RPC_FILE } from './rpc-server.js'
import type { RpcEndpointFile } from './rpc-server.js'

const RPC_REQUEST_TIMEOUT_MS = 5_000

/** Calls the local status API of the node that owns `storageDir`. */
export async function rpcGet<T> (storageDir: string, path: string): Promise<T> {
  let endpoint: RpcEndpointFile
  try {
    endpoint = JSON.parse(await readFile(join(storageDir, RPC_FILE), 'utf8')) as RpcEndpointFile
  } catch (err) {
    throw new RpcUnavailableError(`no fleet-node is running with storage dir ${storageDir} (${RPC_FILE} not readable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); start one with fleet-node join, or pass its --storage-dir`, { cause: err })
  }
  let res: Response
  try {
    res = await fetch(`http://127.0.0.1:${endpoint.port}${path}`, {
      headers: { authorization: `Bearer ${endpoint.secret}` },
      signal: AbortSignal.timeout(RPC_REQUEST_TIMEOUT_MS)
    })
  } catch (err) {
    throw new RpcUnavailableError(`fleet-node (pid ${endpoint.pid}) does not answer on 127.0.0.1:${endpoint.port}: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}; it may have stopped uncleanly — start it again with fleet-node join`, { cause: err })
  }
  const body = await res.json() as T & { message?: string }
  if (!res.ok) throw new RpcUnavailableError(`status API answered ${res.status}: ${body.message ?? ''}`)
  return body
}
