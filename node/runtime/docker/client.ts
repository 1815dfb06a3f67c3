/**
 * The few Docker Engine API calls the agent needs: version, image load, and a container's
 * create/start/stop/remove/inspect. Each call is one request on the unix socket.
 */
import {
  CONTAINER_NAME_PREFIX, DOCKER_SOCKET_PATH, IMAGE_LOAD_TIMEOUT_MS, REQUEST_TIMEOUT_MS, STOP_EXTRA_MS, STOP_GRACE_S_DEFAULT
} from './constants.js'
import { DockerApiError } from './errors.js'
import { engineRequest, expectStatus } from './http.js'
import type { ContainerSpec, ContainerState, DockerClient, DockerClientInit, DockerVersion } from './index.js'
import type { AbortOptions } from '../../ports/index.js'
import type { Readable } from 'node:stream'

const RESTART_POLICY = { always: 'always', 'on-failure': 'on-failure', never: 'no' } as const

export class EngineApiClient implements DockerClient {
  readonly socketPath: string

  constructor (init: DockerClientInit = {}) {
    this.socketPath = init.socketPath ?? DOCKER_SOCKET_PATH
  }

  async version (options: AbortOptions & { timeoutMs?: number } = {}): Promise<DockerVersion> {
    const res = await engineRequest(this.socketPath, { method: 'GET', path: '/version', timeoutMs: options.timeoutMs ?? REQUEST_TIMEOUT_MS, signal: options.signal })
    expectStatus(res, [200], 'report its version')
    const v = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>
    return { version: text(v.Version, 'unknown'), apiVersion: text(v.ApiVersion, 'unknown'), os: text(v.Os, ''), arch: text(v.Arch, '') }
  }

  async loadImage (tar: Readable, options: AbortOptions = {}): Promise<string[]> {
    const res = await engineRequest(this.socketPath, { method: 'POST', path: '/images/load?quiet=1', stream: tar, timeoutMs: IMAGE_LOAD_TIMEOUT_MS, signal: options.signal })
    expectStatus(res, [200], 'load the image')
    // The answer is a stream of JSON lines; an error can arrive inside a 200 answer.
    const loaded: string[] = []
    for (const line of res.body.toString('utf8').split('\n')) {
      if (line.trim() === '') continue
      const event = JSON.parse(line) as { stream?: string, error?: string }
      if (event.error !== undefined) throw new DockerApiError(`Docker Engine could not load the image: ${event.error}`, res.status)
      const match = /Loaded image(?: ID)?: (\S+)/.exec(event.stream ?? '')
      if (match?.[1] !== undefined) loaded.push(match[1])
    }
    return loaded
  }

  async createContainer (spec: ContainerSpec, options: AbortOptions = {}): Promise<string> {
    const body = {
      Image: spec.image,
      Cmd: spec.cmd,
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      WorkingDir: spec.workingDir,
      Labels: { 'io.fleetd.app': spec.app },
      HostConfig: {
        RestartPolicy: { Name: RESTART_POLICY[spec.restart ?? 'never'] },
        Memory: spec.memoryBytesMax,
        // NanoCpus is CPUs × 10⁹: 150 % of one CPU is 1.5e9.
        NanoCpus: spec.cpuQuotaPercent === undefined ? undefined : Math.round(spec.cpuQuotaPercent * 1e7)
      }
    }
    const name = encodeURIComponent(CONTAINER_NAME_PREFIX + spec.app)
    const res = await this.call('POST', `/containers/create?name=${name}`, options, body)
    expectStatus(res, [201], `create the container for ${spec.app}`)
    return (JSON.parse(res.body.toString('utf8')) as { Id: string }).Id
  }

  async startContainer (id: string, options: AbortOptions = {}): Promise<void> {
    // 304: already running, which is what was asked for.
    expectStatus(await this.call('POST', `/containers/${encodeURIComponent(id)}/start`, options), [204, 304], `start container ${id}`)
  }

  async stopContainer (id: string, options: AbortOptions & { graceS?: number } = {}): Promise<void> {
    const graceS = options.graceS ?? STOP_GRACE_S_DEFAULT
    const res = await engineRequest(this.socketPath, {
      method: 'POST', path: `/containers/${encodeURIComponent(id)}/stop?t=${graceS}`, timeoutMs: graceS * 1000 + STOP_EXTRA_MS, signal: options.signal
    })
    expectStatus(res, [204, 304], `stop container ${id}`)
  }

  async removeContainer (id: string, options: AbortOptions & { force?: boolean } = {}): Promise<void> {
    const res = await this.call('DELETE', `/containers/${encodeURIComponent(id)}?force=${options.force === true ? 1 : 0}`, options)
    // 404: already gone; removing is idempotent so a retried step succeeds.
    expectStatus(res, [204, 404], `remove container ${id}`)
  }

  async inspectContainer (id: string, options: AbortOptions = {}): Promise<ContainerState> {
    const res = await this.call('GET', `/containers/${encodeURIComponent(id)}/json`, options)
    expectStatus(res, [200], `inspect container ${id}`)
    const c = JSON.parse(res.body.toString('utf8')) as { Id: string, RestartCount?: number, State?: Record<string, unknown> & { Health?: { Status?: string } } }
    const state = c.State ?? {}
    return {
      id: c.Id,
      status: text(state.Status, 'unknown'),
      running: state.Running === true,
      exitCode: typeof state.ExitCode === 'number' ? state.ExitCode : undefined,
      health: state.Health?.Status,
      restartCount: c.RestartCount ?? 0
    }
  }

  private async call (method: 'GET' | 'POST' | 'DELETE', path: string, options: AbortOptions, json?: unknown): ReturnType<typeof engineRequest> {
    return await engineRequest(this.socketPath, { method, path, json, timeoutMs: REQUEST_TIMEOUT_MS, signal: options.signal })
  }
}

/** A string field of a daemon's answer, or `fallback` when it is missing or of another type. */
function text (value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback
}
