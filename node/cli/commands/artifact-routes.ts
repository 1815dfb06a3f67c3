import type { ArtifactService, FetchEvent } from '../../../content/service/index.js'
import type { RpcRoutes } from '../../rpc/index.js'

/** A request the node cannot act on: answered 400 with what to send instead. */
function badRequest (message: string): Error {
  return Object.assign(new Error(message), { code: 'FLEET_ERR_BAD_REQUEST' })
}

/** The node's artifact commands on its local status API (used by `fleets artifact` and `fleet-node artifact`). */
export function artifactRoutes (artifacts: ArtifactService): RpcRoutes {
  return {
    'GET /v1/artifacts': async () => await artifacts.list(),
    'POST /v1/artifacts/import': (body, signal) => importStream(artifacts, body, signal),
    'POST /v1/artifacts/register': async (body) => {
      const manifest = (body as { manifest?: unknown } | undefined)?.manifest
      if (manifest == null) throw badRequest('send {"manifest": {...}}')
      return await artifacts.register(manifest)
    },
    'POST /v1/artifacts/fetch': (body, signal): AsyncGenerator<FetchEvent> => {
      const manifest = (body as { manifest?: unknown } | undefined)?.manifest
      if (manifest == null) throw badRequest('send {"manifest": {...}} (a signed manifest, e.g. from fleets artifact upload --json)')
      return artifacts.fetch(manifest, signal)
    }
  }
}

async function * importStream (artifacts: ArtifactService, body: unknown, signal: AbortSignal): AsyncGenerator<unknown> {
  const { file, url } = (body ?? {}) as { file?: unknown, url?: unknown }
  if (typeof file !== 'string' && typeof url !== 'string') throw badRequest('send {"file": "/absolute/path"} or {"url": "https://…"}')
  const progress: number[] = []
  let wake: (() => void) | undefined
  let done: unknown
  let failure: unknown
  const running = artifacts.import(typeof file === 'string' ? { file } : { url: url as string }, {
    signal, onProgress: (bytes) => { progress.push(bytes); wake?.() }
  }).then(r => { done = r }, (err: unknown) => { failure = err }).finally(() => { wake?.() })
  while (done == null && failure == null) {
    await new Promise<void>(resolve => { if (done != null || failure != null || progress.length > 0) resolve(); else wake = resolve })
    wake = undefined
    const last = progress.splice(0).pop()
    if (last != null) yield { type: 'progress', bytes: last }
  }
  await running
  if (failure != null) throw failure as Error
  const r = done as Awaited<ReturnType<ArtifactService['import']>>
  yield { type: 'done', cid: r.cid.toString(), size: r.size, sha256: Buffer.from(r.sha256).toString('hex'), blocks: r.blocks, newBlocks: r.newBlocks, newBytes: r.newBytes }
}
