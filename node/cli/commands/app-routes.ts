import { followLog, tailLog } from '../../runtime/logs/index.js'
import type { Agent } from '../../agent/index.js'
import type { RpcRoutes } from '../../rpc/index.js'

type Body = Record<string, unknown> | undefined

function badRequest (message: string): Error {
  return Object.assign(new Error(message), { code: 'FLEET_ERR_BAD_REQUEST', status: 400 })
}

/** Lines `app logs` returns without --lines; --follow streams after them. */
const LOG_LINES_DEFAULT = 100

/** The agent on the node's local API (used by `fleet-node app`). */
export function appRoutes (agent: Agent): RpcRoutes {
  return {
    'GET /v1/apps': () => agent.status(),
    'POST /v1/apps/deploy': async (body) => {
      const { spec, manifest } = (body ?? {}) as Body ?? {}
      if (spec == null || manifest == null) throw badRequest('send {"spec": {...app spec...}, "manifest": {...signed manifest...}}')
      return await agent.setApp(spec, manifest)
    },
    'POST /v1/apps/remove': async (body) => {
      const name = (body as Body)?.name
      if (typeof name !== 'string') throw badRequest('send {"name": "APP"}')
      return { removed: await agent.removeApp(name) }
    },
    'POST /v1/apps/logs': (body, signal) => logLines(agent, body as Body, signal)
  }
}

async function * logLines (agent: Agent, body: Body, signal: AbortSignal): AsyncGenerator<{ line: string }> {
  const name = body?.name
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,62}$/.test(name)) throw badRequest('send {"name": "APP", "lines": 100, "follow": false}')
  const lines = typeof body?.lines === 'number' ? body.lines : LOG_LINES_DEFAULT
  const path = `${agent.logsDir}/${name}.log`
  for (const line of await tailLog(path, lines, { includeRotated: true }).catch(() => [])) yield { line }
  if (body?.follow !== true) return
  for await (const line of followLog(path, { signal })) yield { line }
}
