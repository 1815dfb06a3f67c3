import { execFile } from 'node:child_process'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { DeviceMetrics as GeneratedDeviceMetrics } from './generated/metrics.js'
import { Plan as GeneratedPlan } from './generated/plan.js'
import { FleetMessage as GeneratedFleetMessage } from './generated/presence.js'
import {
  ANNOUNCE_LABELS_MAX, decodeArtifactManifest, decodeDeviceMetrics, decodeDeviceReport, decodeFleetMessage, decodeJoinToken,
  decodePlan, decodeSignedPlan, DEVICE_METRICS_BYTES_MAX, encodeArtifactManifest, encodeDeviceMetrics, encodeDeviceReport,
  encodeFleetMessage, encodeJoinToken, encodePlan, encodeSignedPlan, FLEET_MESSAGE_BYTES_MAX, Health,
  METRICS_INTERFACE_ADDRESSES_MAX, PLAN_PHASES_MAX, Tier, tierFromNumber, tierToNumber, WIRE_ERROR_CODES, WIRE_VERSION,
  WireDecodeError, WireEncodeError
} from './index.js'
import type { ArtifactManifest, DeviceAnnounce, DeviceMetrics, DeviceReport, JoinToken, Plan, WireBytes } from './index.js'

const run = promisify(execFile)
const repoRoot = join(import.meta.dirname, '..')

function announce (overrides: Partial<DeviceAnnounce> = {}): DeviceAnnounce {
  return {
    deviceId: '12D3KooWAnnounceDevice',
    fleetId: 'fleet-a',
    name: 'pi-kitchen',
    platform: 'linux/arm64',
    tier: Tier.EMBEDDED_LINUX,
    agentVersion: '0.1.0',
    labels: new Map([['site', 'home'], ['room', 'kitchen']]),
    addresses: ['/ip4/198.18.0.2/tcp/4710'],
    parent: '12D3KooWGateway',
    seq: 41,
    sentMs: 1_700_000_000_123,
    startedMs: 1_699_999_000_000,
    ...overrides
  }
}

function metrics (): DeviceMetrics {
  return {
    systemInfo: {
      hostname: 'pi', os: 'linux', kernel: '6.6.0', arch: 'arm64', cpuCount: 4, memoryTotal: 8 * 2 ** 30,
      diskTotal: 64 * 2 ** 30, uptimeSeconds: 3600, bootTimeMs: 1_699_996_400_000
    },
    loadAverage: { load1: 0.5, load5: 0.25, load15: 0.125 },
    interfaces: [{ name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', addresses: ['198.18.0.2/15'], rxBytes: 2 ** 40, txBytes: 5, rxErrors: 0, txErrors: 1, up: true }],
    processes: [{ app: 'web', pid: 321, state: 'running', restarts: 2, cpuPercent: 1.5, memoryRss: 50_000_000, uptimeMs: 90_000, exitCode: -1 }],
    customMetrics: new Map([['requests_per_s', 12.75]]),
    cpuPercent: 12.5,
    memoryUsed: 2 ** 31,
    diskUsed: 2 ** 33,
    deviceId: '12D3KooWAnnounceDevice',
    timestampMs: 1_700_000_000_000
  }
}

function manifest (): ArtifactManifest {
  return {
    name: 'web', version: '2.1.0', platforms: ['linux/arm64', 'linux/amd64'], type: 'archive', size: 5_000_000,
    sha256: new Uint8Array(32).fill(7), cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', createdMs: 1_699_000_000_000,
    signatures: [{ keyId: 'coord-1', signature: new Uint8Array(64).fill(9) }]
  }
}

function plan (): Plan {
  return {
    fleetId: 'fleet-a',
    deploymentId: 'dep-1',
    seq: 3,
    app: {
      name: 'web', runtime: 'process', args: ['--port', '8080'], env: new Map([['MODE', 'edge']]),
      limits: { memoryBytes: 2 ** 31, cpuMillis: 1500 },
      healthCheck: { kind: 'http', httpPath: '/health', port: 8080, command: [], intervalMs: 30_000, timeoutMs: 5_000, failureThreshold: 3, startPeriodMs: 10_000 },
      restartPolicy: 'on-failure'
    },
    manifest: manifest(),
    cohort: { phaseBasisPoints: [500, 2000, 10_000], currentPhase: 1, target: 'group:edge-stores' },
    rollbackTo: '2.0.0',
    issuedMs: 1_700_000_000_000,
    expiresMs: 1_700_086_400_000,
    strategy: 'canary'
  }
}

function report (): DeviceReport {
  return {
    version: WIRE_VERSION, deviceId: '12D3KooWAnnounceDevice', deploymentId: 'dep-1', planSeq: 3, step: 'health-check',
    appVersion: '2.1.0', health: Health.UNHEALTHY, errorCode: 'FLEET_ERR_HEALTH_CHECK', errorMessage: 'GET /health returned 503',
    metrics: new Map([['error_rate', 0.25]]), sentMs: 1_700_000_001_000, seq: 17
  }
}

function token (): JoinToken {
  return {
    version: WIRE_VERSION,
    fleetId: 'fleet-a',
    networkKey: new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${'ab'.repeat(32)}`),
    trustedKeys: [{ keyId: 'coord-1', publicKey: new Uint8Array(32).fill(1), role: 'coordinator' }],
    createdMs: 1_700_000_000_000,
    bootstrap: ['/ip4/198.18.0.1/tcp/4710/p2p/12D3KooWBootstrap']
  }
}

/** Every top-level decoder with a valid encoding, for the table-driven tests. */
const decoders: Array<{ name: string, decode: (bytes: WireBytes) => unknown, valid: () => Uint8Array, bytesMax: number }> = [
  { name: 'FleetMessage', decode: decodeFleetMessage, valid: () => encodeFleetMessage({ version: WIRE_VERSION, announce: announce() }), bytesMax: FLEET_MESSAGE_BYTES_MAX },
  { name: 'DeviceMetrics', decode: decodeDeviceMetrics, valid: () => encodeDeviceMetrics(metrics()), bytesMax: DEVICE_METRICS_BYTES_MAX },
  { name: 'SignedPlan', decode: decodeSignedPlan, valid: () => encodeSignedPlan({ version: WIRE_VERSION, plan: encodePlan(plan()), keyId: 'k', signature: new Uint8Array(64) }), bytesMax: 256 * 1024 },
  { name: 'Plan', decode: decodePlan, valid: () => encodePlan(plan()), bytesMax: 256 * 1024 },
  { name: 'ArtifactManifest', decode: decodeArtifactManifest, valid: () => encodeArtifactManifest(manifest()), bytesMax: 16 * 1024 },
  { name: 'DeviceReport', decode: decodeDeviceReport, valid: () => encodeDeviceReport(report()), bytesMax: 64 * 1024 },
  { name: 'JoinToken', decode: decodeJoinToken, valid: () => encodeJoinToken(token()), bytesMax: 4 * 1024 }
]

function decodeError (fn: () => unknown): WireDecodeError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(WireDecodeError)
    return err as WireDecodeError
  }
  throw new Error('expected a WireDecodeError, nothing was thrown')
}

/** xorshift32: the same garbage on every run (STYLE rule 14). */
function random (seed: number): () => number {
  let x = seed
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 0 }
}

describe('round trips', () => {
  it('FleetMessage with an announce and with a heartbeat', () => {
    const withAnnounce = { version: WIRE_VERSION, announce: announce() }
    expect(decodeFleetMessage(encodeFleetMessage(withAnnounce))).toEqual(withAnnounce)
    const withHeartbeat = { version: WIRE_VERSION, heartbeat: { deviceId: 'd', seq: 42, sentMs: 1_700_000_000_000, uptimeMs: 5, connectedPeers: 3, announceSeq: 41 } }
    expect(decodeFleetMessage(encodeFleetMessage(withHeartbeat))).toEqual(withHeartbeat)
  })

  it('DeviceMetrics, keeping the seed field numbers', () => {
    const bytes = encodeDeviceMetrics(metrics())
    expect(decodeDeviceMetrics(bytes)).toEqual(metrics())
    // cpu_percent = 6 is a float (wire type 5): tag 0x35 followed by 12.5f little-endian.
    expect(Buffer.from(bytes).includes(Buffer.from([0x35, 0x00, 0x00, 0x48, 0x41]))).toBe(true)
  })

  it('SignedPlan carries the Plan bytes untouched', () => {
    const planBytes = encodePlan(plan())
    const signed = decodeSignedPlan(encodeSignedPlan({ version: WIRE_VERSION, plan: planBytes, keyId: 'coord-1', signature: new Uint8Array(64).fill(5) }))
    expect(signed.plan).toEqual(planBytes)
    expect(decodePlan(signed.plan)).toEqual(plan())
  })

  it('ArtifactManifest, DeviceReport and JoinToken', () => {
    expect(decodeArtifactManifest(encodeArtifactManifest(manifest()))).toEqual(manifest())
    expect(decodeDeviceReport(encodeDeviceReport(report()))).toEqual(report())
    expect(decodeJoinToken(encodeJoinToken(token()))).toEqual(token())
  })

  it('encoders accept Buffers for bytes fields', () => {
    const decoded = decodeJoinToken(encodeJoinToken({ ...token(), networkKey: Buffer.from(token().networkKey) }))
    expect(decoded.networkKey).toEqual(token().networkKey)
  })
})

describe('bounded decoding', () => {
  it.each(decoders)('$name over its byte limit is refused unread', ({ name, decode, bytesMax }) => {
    const err = decodeError(() => decode(new Uint8Array(bytesMax + 1)))
    expect(err.code).toBe('FLEET_ERR_WIRE_TOO_LARGE')
    expect(err.messageType).toBe(name)
    expect(err.message).toContain(String(bytesMax))
  })

  it('every truncation inside an announce is refused as malformed', () => {
    const bytes = encodeFleetMessage({ version: WIRE_VERSION, announce: announce() })
    // bytes = version (2 bytes), then field 2 tag and length (3 bytes), then the announce.
    for (let end = 5; end < bytes.length; end++) {
      expect(decodeError(() => decodeFleetMessage(bytes.subarray(0, end))).code).toBe('FLEET_ERR_WIRE_MALFORMED')
    }
  })

  it('garbage is refused as malformed', () => {
    const invalidWireType = new Uint8Array([0x0f])
    const unknownTier = new Uint8Array([0x12, 0x02, 0x28, 0x63]) // announce { tier: 99 }
    // Unknown field 15, start-group, 16k deep: protons skips groups recursively until the stack
    // overflows, which must still end as a clean refusal.
    const nestedGroups = new Uint8Array(FLEET_MESSAGE_BYTES_MAX).fill(0x7b)
    for (const bytes of [invalidWireType, unknownTier, nestedGroups]) {
      expect(decodeError(() => decodeFleetMessage(bytes)).code).toBe('FLEET_ERR_WIRE_MALFORMED')
    }
  })

  it.each(decoders)('$name decodes random bytes or throws WireDecodeError, nothing else', ({ decode }) => {
    const next = random(0x5eed)
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: next() % 64 }, () => next() & 0xff)
      try {
        decode(bytes)
      } catch (err) {
        expect(err).toBeInstanceOf(WireDecodeError)
      }
    }
  })

  it('a map over its limit is refused, and one at the limit is not', () => {
    const labels = (n: number): Map<string, string> => new Map(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']))
    const atLimit = GeneratedFleetMessage.encode({ version: WIRE_VERSION, announce: announce({ labels: labels(ANNOUNCE_LABELS_MAX) }) })
    expect(decodeFleetMessage(atLimit).announce?.labels.size).toBe(ANNOUNCE_LABELS_MAX)
    const over = GeneratedFleetMessage.encode({ version: WIRE_VERSION, announce: announce({ labels: labels(ANNOUNCE_LABELS_MAX + 1) }) })
    const err = decodeError(() => decodeFleetMessage(over))
    expect(err.code).toBe('FLEET_ERR_WIRE_TOO_MANY_ELEMENTS')
    expect(err.message).toContain(`field "labels" has more elements than its limit of ${ANNOUNCE_LABELS_MAX}`)
  })

  it('repeated fields inside repeated and nested messages are limited too', () => {
    const m = metrics()
    const iface = { ...m.interfaces[0]!, addresses: Array.from({ length: METRICS_INTERFACE_ADDRESSES_MAX + 1 }, (_, i) => `10.0.0.${i}/8`) }
    const err = decodeError(() => decodeDeviceMetrics(GeneratedDeviceMetrics.encode({ ...m, interfaces: [iface] })))
    expect(err.code).toBe('FLEET_ERR_WIRE_TOO_MANY_ELEMENTS')
    const p = plan()
    const phases = Array.from({ length: PLAN_PHASES_MAX + 1 }, (_, i) => i)
    const planErr = decodeError(() => decodePlan(GeneratedPlan.encode({ ...p, cohort: { ...p.cohort!, phaseBasisPoints: phases } })))
    expect(planErr.message).toContain('"phaseBasisPoints"')
  })
})

describe('checked encoding', () => {
  const unsendable = (fn: () => unknown): WireEncodeError => {
    try {
      fn()
    } catch (err) {
      expect(err).toBeInstanceOf(WireEncodeError)
      expect((err as WireEncodeError).code).toBe('FLEET_ERR_WIRE_UNSENDABLE')
      return err as WireEncodeError
    }
    throw new Error('expected a WireEncodeError')
  }

  it('refuses a FleetMessage with both, or neither, oneof members', () => {
    const heartbeat = { deviceId: 'd', seq: 1, sentMs: 1, uptimeMs: 1, connectedPeers: 0 }
    unsendable(() => encodeFleetMessage({ version: WIRE_VERSION, announce: announce(), heartbeat }))
    unsendable(() => encodeFleetMessage({ version: WIRE_VERSION }))
  })

  it('refuses an envelope without a version', () => {
    expect(unsendable(() => encodeDeviceReport({ ...report(), version: 0 })).message).toContain('WIRE_VERSION')
  })

  it('refuses what receivers would refuse, naming the limit', () => {
    const labels = new Map(Array.from({ length: ANNOUNCE_LABELS_MAX + 1 }, (_, i) => [`k${i}`, 'v']))
    const err = unsendable(() => encodeFleetMessage({ version: WIRE_VERSION, announce: announce({ labels }) }))
    expect((err.cause as WireDecodeError).code).toBe('FLEET_ERR_WIRE_TOO_MANY_ELEMENTS')
  })
})

describe('the example in index.ts', () => {
  it('runs as written', () => {
    const bytes = encodeFleetMessage({
      version: WIRE_VERSION,
      heartbeat: { deviceId: '12D3KooWExample', seq: 7, sentMs: 1_700_000_000_000, uptimeMs: 60_000, connectedPeers: 3 }
    })
    const message = decodeFleetMessage(bytes)
    expect(message.heartbeat?.seq).toBe(7)
    expect(decodeError(() => decodeFleetMessage(new Uint8Array(FLEET_MESSAGE_BYTES_MAX + 1))).code).toBe('FLEET_ERR_WIRE_TOO_LARGE')
  })
})

describe('errors and enums', () => {
  it('every error code is unique, namespaced and documented', () => {
    const codes = Object.keys(WIRE_ERROR_CODES)
    expect(new Set(codes).size).toBe(codes.length)
    for (const [code, doc] of Object.entries(WIRE_ERROR_CODES)) {
      expect(code).toMatch(/^FLEET_ERR_WIRE_[A-Z_]+$/)
      expect(doc.length).toBeGreaterThan(20)
    }
  })

  it('tier numbers match the wire values', () => {
    for (const tier of Object.values(Tier).filter(v => typeof v === 'string')) {
      const bytes = encodeFleetMessage({ version: WIRE_VERSION, announce: announce({ tier }) })
      const n = tierToNumber(tier)
      expect(tierFromNumber(n)).toBe(tier)
      // announce.tier is field 5 (varint), so tag 0x28 then the number; 0 is not written.
      expect(Buffer.from(bytes).includes(Buffer.from([0x28, n]))).toBe(n !== 0)
    }
    expect(tierFromNumber(5)).toBeUndefined()
    expect(tierFromNumber(1.5)).toBeUndefined()
  })
})

describe('proto-gen --check', () => {
  const script = join(repoRoot, 'proto', 'codegen', 'proto-gen.ts')
  const check = async (dir: string): Promise<{ code: number, stderr: string }> => {
    try {
      await run(process.execPath, ['--import', 'tsx', script, '--check', '--dir', dir], { cwd: repoRoot })
      return { code: 0, stderr: '' }
    } catch (err) {
      const e = err as { code: number, stderr: string }
      return { code: e.code, stderr: e.stderr }
    }
  }

  it('passes on the committed code and fails on a hand-edited generated file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-proto-test-'))
    try {
      for (const name of (await readdir(join(repoRoot, 'proto'))).filter(f => f.endsWith('.proto'))) {
        await cp(join(repoRoot, 'proto', name), join(dir, name))
      }
      await cp(join(repoRoot, 'proto', 'generated'), join(dir, 'generated'), { recursive: true })
      expect(await check(dir)).toEqual({ code: 0, stderr: '' })

      const edited = join(dir, 'generated', 'presence.ts')
      await writeFile(edited, (await readFile(edited, 'utf8')).replace('obj.version = reader.uint32()', 'obj.version = 2'))
      const result = await check(dir)
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('presence.ts is stale')
      expect(result.stderr).toContain('run npm run proto:gen')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
