/**
 * The Engine API client against a fake Docker Engine on a unix socket in a temp dir: no Docker
 * daemon runs on these machines (the CLI may be installed, /var/run/docker.sock is absent), so
 * the real one cannot be used here. The fake answers with the Engine's documented statuses.
 */
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startFakeEngine } from '../../../test/support/fake-docker-engine.js'
import { RuntimeUnavailableError } from '../errors.js'
import { detectDocker, DockerApiError, dockerClient, requireDocker } from './index.js'
import type { FakeEngine } from '../../../test/support/fake-docker-engine.js'

let dir: string
let engine: FakeEngine

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetd-docker-'))
  engine = await startFakeEngine(join(dir, 'docker.sock'))
})
afterEach(async () => {
  await engine.close()
  await rm(dir, { recursive: true, force: true })
})

describe('docker client', () => {
  it('reports the version and loads an image from a tar stream', async () => {
    const docker = dockerClient({ socketPath: engine.socketPath })
    expect(await docker.version()).toEqual({ version: '27.0.0-fake', apiVersion: '1.47', os: 'linux', arch: 'amd64' })
    expect(await docker.loadImage(Readable.from([Buffer.alloc(70_000, 1)]))).toEqual(['web:1.0.0'])
    expect(engine.loadedBytes).toEqual([70_000])
    // An unreadable image file is the file's problem, not Docker being unavailable.
    await expect(docker.loadImage(createReadStream(join(dir, 'missing.tar')))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('creates, starts, inspects, stops and removes a container', async () => {
    const docker = dockerClient({ socketPath: engine.socketPath })
    const id = await docker.createContainer({
      app: 'web', image: 'web:1.0.0', cmd: ['serve', '--port', '8080'], env: { PORT: '8080', GREETING: 'a b "c"' },
      restart: 'never', memoryBytesMax: 64 * 1024 * 1024, cpuQuotaPercent: 150
    })
    expect(engine.containers[0]).toMatchObject({
      name: 'fleetd-web',
      body: {
        Image: 'web:1.0.0', Cmd: ['serve', '--port', '8080'], Env: ['PORT=8080', 'GREETING=a b "c"'], Labels: { 'io.fleetd.app': 'web' },
        HostConfig: { RestartPolicy: { Name: 'no' }, Memory: 67_108_864, NanoCpus: 1_500_000_000 }
      }
    })
    await docker.startContainer(id)
    await docker.startContainer(id) // 304: already running, still a success
    const fake = engine.containers[0]
    if (fake !== undefined) fake.health = 'healthy'
    expect(await docker.inspectContainer(id)).toEqual({ id, status: 'running', running: true, exitCode: 0, health: 'healthy', restartCount: 0 })

    const refused = await docker.removeContainer(id).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(DockerApiError)
    expect(refused).toMatchObject({ code: 'FLEET_ERR_DOCKER_API', status: 409 })
    expect((refused as Error).message).toContain('You cannot remove a running container')

    await docker.stopContainer(id, { graceS: 1 })
    expect(await docker.inspectContainer(id)).toMatchObject({ status: 'exited', running: false })
    await docker.removeContainer(id)
    await docker.removeContainer(id) // already gone: removing is idempotent
    await expect(docker.inspectContainer(id)).rejects.toMatchObject({ name: 'DockerApiError', status: 404 })
  })

  it('refuses a second container of the same app with the daemon\'s reason', async () => {
    const docker = dockerClient({ socketPath: engine.socketPath })
    await docker.createContainer({ app: 'web', image: 'web:1.0.0' })
    await expect(docker.createContainer({ app: 'web', image: 'web:1.0.0' })).rejects.toThrow(/HTTP 409.*already in use/)
  })

  it('says the runtime is unavailable when the socket is missing', async () => {
    const docker = dockerClient({ socketPath: join(dir, 'absent.sock') })
    const err = await docker.version().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RuntimeUnavailableError)
    expect(err).toMatchObject({ code: 'FLEET_ERR_RUNTIME_UNAVAILABLE', runtime: 'docker' })
    expect((err as Error).message).toContain('cannot be reached (ENOENT)')
  })
})

describe('detectDocker', () => {
  it('finds the (fake) engine on its socket', async () => {
    expect(await detectDocker(engine.socketPath)).toMatchObject({ available: true, socketPath: engine.socketPath, version: { apiVersion: '1.47' } })
  })

  it('is honest about a missing socket, a plain file and a socket nobody answers on', async () => {
    expect(await detectDocker(join(dir, 'absent.sock'))).toEqual({ available: false, reason: `no Docker Engine socket at ${join(dir, 'absent.sock')} (Docker is not installed or dockerd is not running)` })
    await writeFile(join(dir, 'file'), '')
    expect(await detectDocker(join(dir, 'file'))).toEqual({ available: false, reason: `${join(dir, 'file')} is not a socket, so no Docker Engine listens there` })
    const mute = createServer(socket => socket.destroy())
    await new Promise<void>(resolve => mute.listen(join(dir, 'mute.sock'), resolve))
    try {
      const found = await detectDocker(join(dir, 'mute.sock'))
      expect(found).toMatchObject({ available: false })
      expect(found.available ? '' : found.reason).toMatch(/does not answer/)
    } finally {
      await new Promise(resolve => mute.close(resolve))
    }
  })

  it('on this machine: no daemon, so requireDocker throws RuntimeUnavailableError naming what needed it', async () => {
    const found = await detectDocker()
    if (found.available) return // a machine with a running Docker: nothing to check here
    await expect(requireDocker('oci artifacts')).rejects.toThrow(/^oci artifacts need Docker, which this device lacks: /)
  })
})
