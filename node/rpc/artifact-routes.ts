import { CID } from 'multiformats/cid'
import { parseManifestRef } from '../../content/manifest/index.js'
import { PIN_REASONS } from '../../content/store/index.js'
import { pumpEvents } from '../../content/service/index.js'
import type { ArtifactRef, ArtifactService, FetchEvent, GcReport, VerifyEvent } from '../../content/service/index.js'
import type { PinReason } from '../../content/store/index.js'
import type { RpcRoutes } from './index.js'

/** A request the node cannot act on: answered 400 with what to send instead. */
function badRequest (message: string): Error {
  return Object.assign(new Error(message), { code: 'FLEET_ERR_BAD_REQUEST' })
}

type Body = Record<string, unknown> | undefined

/** `name@version` from a request; a malformed one keeps its manifest error code but is the caller's fault (400). */
function refOf (body: Body): ArtifactRef {
  if (typeof body?.ref !== 'string') throw badRequest('send {"ref": "NAME@VERSION"}')
  try {
    return parseManifestRef(body.ref)
  } catch (err) {
    throw Object.assign(err as Error, { status: 400 })
  }
}

function reasonOf (body: Body): PinReason {
  const reason = body?.reason ?? 'manual'
  if (!PIN_REASONS.includes(reason as PinReason)) throw badRequest(`"reason" must be one of ${PIN_REASONS.join(', ')}`)
  return reason as PinReason
}

/** The node's artifact commands on its local status API (used by `fleets artifact` and `fleet-node artifact`). */
export function artifactRoutes (artifacts: ArtifactService): RpcRoutes {
  return {
    'GET /v1/artifacts': async () => await artifacts.list(),
    'POST /v1/artifacts/import': (body, signal) => importStream(artifacts, body as Body, signal),
    'POST /v1/artifacts/register': async (body) => {
      const { manifest, keep } = (body ?? {}) as { manifest?: unknown, keep?: unknown }
      if (manifest == null) throw badRequest('send {"manifest": {...}, "keep": false}')
      return await artifacts.register(manifest, { keep: keep === true })
    },
    'POST /v1/artifacts/fetch': (body, signal): AsyncGenerator<FetchEvent> => {
      const manifest = (body as Body)?.manifest
      if (manifest == null) throw badRequest('send {"manifest": {...}} (a signed manifest, e.g. from fleets artifact upload --json)')
      const stallTimeoutMs = (body as Body)?.stallTimeoutMs
      if (stallTimeoutMs != null && (typeof stallTimeoutMs !== 'number' || !(stallTimeoutMs >= 1000))) throw badRequest('"stallTimeoutMs" must be a number of milliseconds, at least 1000')
      return artifacts.fetch(manifest, signal, typeof stallTimeoutMs === 'number' ? { stallTimeoutMs } : {})
    },
    'POST /v1/artifacts/show': async (body) => {
      const cid = (body as Body)?.cid
      if (typeof cid !== 'string') return await artifacts.show({ ref: refOf(body as Body) })
      try {
        CID.parse(cid)
      } catch {
        throw badRequest(`"cid" is not a CID: '${cid}'`)
      }
      return await artifacts.show({ cid })
    },
    'POST /v1/artifacts/verify': (body, signal): AsyncGenerator<VerifyEvent> => artifacts.verify(refOf(body as Body), signal),
    // Streamed (one line) rather than answered: GC of a large store outlasts the API's request timeout.
    'POST /v1/artifacts/gc': (body, signal) => gcStream(artifacts, (body as Body)?.dryRun === true, signal),
    'POST /v1/artifacts/pin': async (body) => ({ pins: await artifacts.pin(refOf(body as Body), reasonOf(body as Body)) }),
    'POST /v1/artifacts/unpin': async (body) => ({ removed: await artifacts.unpin(refOf(body as Body), reasonOf(body as Body)) })
  }
}

async function * gcStream (artifacts: ArtifactService, dryRun: boolean, signal: AbortSignal): AsyncGenerator<{ type: 'done' } & GcReport> {
  yield { type: 'done', ...await artifacts.gc({ dryRun, signal }) }
}

async function * importStream (artifacts: ArtifactService, body: Body, signal: AbortSignal): AsyncGenerator<unknown> {
  const { file, url } = body ?? {}
  if (typeof file !== 'string' && typeof url !== 'string') throw badRequest('send {"file": "/absolute/path"} or {"url": "https://…"}')
  const r = yield * pumpEvents<{ type: 'progress', bytes: number }, Awaited<ReturnType<ArtifactService['import']>>>(async emit => await artifacts.import(
    typeof file === 'string' ? { file } : { url: url as string },
    { signal, onProgress: (bytes) => { emit({ type: 'progress', bytes }) } }
  ))
  yield { type: 'done', cid: r.cid.toString(), size: r.size, sha256: Buffer.from(r.sha256).toString('hex'), blocks: r.blocks, newBlocks: r.newBlocks, newBytes: r.newBytes }
}
