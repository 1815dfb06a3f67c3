/**
 * The docker runtime's connection to the Docker Engine: detection (`detectDocker`) and a
 * minimal Engine API client over the daemon's unix socket, with no Docker SDK or CLI. Where
 * no daemon answers, calls fail with `RuntimeUnavailableError` so the agent reports the app as
 * failed with that reason, never as running.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs'
 * import { detectDocker, dockerClient } from './index.js'
 *
 * const found = await detectDocker()
 * if (!found.available) console.log(found.reason)
 * else {
 *   const docker = dockerClient({ socketPath: found.socketPath })
 *   const [image] = await docker.loadImage(createReadStream('/var/lib/fleetd/app.oci.tar'))
 *   const id = await docker.createContainer({ app: 'web', image: image ?? 'web:1.0.0', env: { PORT: '8080' }, restart: 'on-failure' })
 *   await docker.startContainer(id)
 *   console.log((await docker.inspectContainer(id)).health)
 * }
 * ```
 */
import { EngineApiClient } from './client.js'
import type { AbortOptions } from '../../ports/index.js'
import type { Readable } from 'node:stream'

export interface DockerClientInit {
  /** The Engine's unix socket. @default '/var/run/docker.sock' */
  socketPath?: string
}

export interface DockerVersion { version: string, apiVersion: string, os: string, arch: string }

export interface ContainerSpec {
  /** The FleetD app; the container is named `fleetd-<app>` and labelled `io.fleetd.app`. */
  app: string
  image: string
  /** Overrides the image's CMD. */
  cmd?: string[]
  env?: Record<string, string>
  workingDir?: string
  /** Left to Docker's restart policy (`never` is Docker's `no`). @default 'never' */
  restart?: 'always' | 'on-failure' | 'never'
  memoryBytesMax?: number
  /** Percent of one CPU: 150 is one and a half CPUs. */
  cpuQuotaPercent?: number
}

export interface ContainerState {
  id: string
  /** Docker's status: created, running, restarting, exited, paused, dead. */
  status: string
  running: boolean
  exitCode?: number
  /** starting, healthy or unhealthy when the image has a HEALTHCHECK; undefined otherwise. */
  health?: string
  restartCount: number
}

export interface DockerClient {
  readonly socketPath: string
  version(options?: AbortOptions & { timeoutMs?: number }): Promise<DockerVersion>
  /** `POST /images/load` with a `docker save` tar; resolves to the loaded image names or ids. */
  loadImage(tar: Readable, options?: AbortOptions): Promise<string[]>
  /** Resolves to the new container's id. */
  createContainer(spec: ContainerSpec, options?: AbortOptions): Promise<string>
  startContainer(id: string, options?: AbortOptions): Promise<void>
  stopContainer(id: string, options?: AbortOptions & { graceS?: number }): Promise<void>
  /** Idempotent: a container that is already gone is not an error. */
  removeContainer(id: string, options?: AbortOptions & { force?: boolean }): Promise<void>
  inspectContainer(id: string, options?: AbortOptions): Promise<ContainerState>
}

export function dockerClient (init: DockerClientInit = {}): DockerClient {
  return new EngineApiClient(init)
}

export { detectDocker, requireDocker } from './detect.js'
export type { DockerAvailability } from './detect.js'
export { CONTAINER_NAME_PREFIX, DOCKER_SOCKET_PATH } from './constants.js'
export { DockerApiError } from './errors.js'
