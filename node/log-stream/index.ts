/**
 * App logs through the mesh: `/fleetd/logs/1.0.0`. A device serves its apps' logs (node/runtime/logs
 * files) to the coordinator only — the request is signed by a coordinator key from the device's
 * join token and names the device and the requesting peer (request-signing.ts); anyone else is
 * refused and the refusal logged. The tail comes first, then with follow new lines as they
 * are written, through a bounded drop-oldest buffer that tells the reader how many lines it
 * lost. `fleets logs` and the dashboard reach it through the coordinator's
 * `GET /api/v1/devices/:id/apps/:app/logs`.
 *
 * @example
 * ```ts
 * import { generateKeyPair } from '@libp2p/crypto/keys'
 * import { createLibp2p } from 'libp2p'
 * import { consoleLogger } from '../logging/index.js'
 * import { systemClock } from '../ports/index.js'
 * import { logServer, openDeviceLogs } from './index.js'
 *
 * const device = await createLibp2p({})
 * const server = logServer()({ libp2p: device, clock: systemClock(), logger: consoleLogger(), fleetId: 'fleet-x', trustedKeys: () => [], logsDir: '/var/lib/fleetd/logs', apps: () => ['web'] })
 * await server.start()
 * const coordinator = await createLibp2p({})
 * const logs = await openDeviceLogs({ libp2p: coordinator, clock: systemClock(), fleetId: 'fleet-x', signingKey: await generateKeyPair('Ed25519') },
 *   { deviceId: device.peerId.toString(), app: 'web', tailLines: 50, follow: false })
 * for await (const chunk of logs) console.log(chunk.lines.join('\n'))
 * ```
 */
import { LogServer } from './log-server.js'
import type { TrustedKey } from '../../content/keys/index.js'
import type { ComponentLogger } from '../logging/index.js'
import type { Clock } from '../ports/index.js'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

export interface LogServerInit {
  /** Lines buffered for a slow requester before the oldest are dropped. @default LOGS_BUFFER_LINES_MAX (1000) */
  bufferLinesMax?: number
  /** Bytes buffered for a slow requester. @default LOGS_BUFFER_BYTES_MAX (1 MiB) */
  bufferBytesMax?: number
  /** Concurrent streams served. @default LOGS_INBOUND_STREAMS_MAX (8) */
  inboundStreamsMax?: number
}

export interface LogServerComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'peerId'>
  clock: Clock
  logger: ComponentLogger
  fleetId: string
  /** The keys the device trusts now (its join token's); only role 'coordinator' reads logs. */
  trustedKeys: () => readonly TrustedKey[]
  /** Where the agent writes `<app>.log`. */
  logsDir: string
  /** The apps the agent knows, for "unknown app" answers. */
  apps: () => string[]
}

export interface LogServerStats {
  served: number
  refused: number
  active: number
  /** Lines dropped for slow requesters, in total. */
  dropped: number
  recentRefusals: Array<{ peer: string, message: string, atMs: number }>
}

export interface DeviceLogsComponents {
  libp2p: Pick<Libp2p, 'dialProtocol' | 'peerId'>
  clock: Clock
  fleetId: string
  /** The fleet's coordinator key (its secrets' fleet key), which devices trust. */
  signingKey: PrivateKey
}

export interface LogsQuery {
  deviceId: string
  app: string
  tailLines: number
  follow: boolean
  /** Tail lines dated before this are skipped (see since.ts). */
  sinceMs?: number
}

/** Lines as they came, after `dropped` lines were lost to a slow reader. */
export interface LogChunk { lines: string[], dropped: number }

export interface DeviceLogStream extends AsyncIterable<LogChunk> {
  close(): void
}

export function logServer (init: LogServerInit = {}): (c: LogServerComponents) => LogServer {
  return (c) => new LogServer(c, init)
}

export { LogServer } from './log-server.js'
export { openDeviceLogs } from './log-client.js'
export { signLogRequest, verifyLogRequest } from './request-signing.js'
export type { LogRequestVerification, VerifyLogRequestOptions } from './request-signing.js'
export { LineQueue } from './line-queue.js'
export { lineTimeMs, linesSince } from './since.js'
export { LogsRefusedError, LogsUnknownAppError, LogsUnreachableError } from './errors.js'
export * from './constants.js'
