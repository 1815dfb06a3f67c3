/** Is a Docker Engine usable here? A socket that exists and a daemon that answers on it. */
import { stat } from 'node:fs/promises'
import { RuntimeUnavailableError } from '../errors.js'
import { EngineApiClient } from './client.js'
import { DOCKER_SOCKET_PATH, PING_TIMEOUT_MS } from './constants.js'
import type { Availability } from '../availability.js'
import type { DockerClient, DockerVersion } from './index.js'
import type { AbortOptions } from '../../ports/index.js'

export type DockerAvailability = Availability<{ socketPath: string, version: DockerVersion }>

export async function detectDocker (socketPath: string = DOCKER_SOCKET_PATH, options: AbortOptions = {}): Promise<DockerAvailability> {
  const info = await stat(socketPath).catch(() => undefined)
  if (info === undefined) return { available: false, reason: `no Docker Engine socket at ${socketPath} (Docker is not installed or dockerd is not running)` }
  if (!info.isSocket()) return { available: false, reason: `${socketPath} is not a socket, so no Docker Engine listens there` }
  try {
    const version = await new EngineApiClient({ socketPath }).version({ signal: options.signal, timeoutMs: PING_TIMEOUT_MS })
    return { available: true, socketPath, version }
  } catch (err) {
    options.signal?.throwIfAborted()
    return { available: false, reason: `the Docker Engine at ${socketPath} does not answer: ${(err as Error).message}` }
  }
}

/** Throws RuntimeUnavailableError, saying what needed Docker, when it is not usable. */
export async function requireDocker (what: string, socketPath: string = DOCKER_SOCKET_PATH, options: AbortOptions = {}): Promise<DockerClient> {
  const found = await detectDocker(socketPath, options)
  if (!found.available) throw new RuntimeUnavailableError(`${what} need Docker, which this device lacks: ${found.reason}`, 'docker')
  return new EngineApiClient({ socketPath })
}
