/** Plans and keys for plan tests: a coordinator key the fleet trusts and a valid plan to vary. */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { keyIdOf } from '../../node/fleet/index.js'
import type { TrustedKey } from '../../content/keys/index.js'
import type { Encodable, Plan } from '../../proto/index.js'
import type { PrivateKey } from '@libp2p/interface'

export const FLEET_ID = 'fleet-plans-test'
export const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

export async function signingKey (role = 'coordinator'): Promise<{ key: PrivateKey, trusted: TrustedKey }> {
  const key = await generateKeyPair('Ed25519')
  return { key, trusted: { keyId: keyIdOf(key.publicKey.raw), publicKey: key.publicKey.raw, role } }
}

export function testManifest (version = '1.2.0', name = 'edge-app'): NonNullable<Encodable<Plan>['manifest']> {
  return { name, version, platforms: ['linux/amd64'], type: 'binary', size: 10, sha256: new Uint8Array(32).fill(7), cid: CID, createdMs: 1_700_000_000_000, signatures: [] }
}

/** A plan every node of FLEET_ID accepts for the next hour; `overrides` varies it. */
export function testPlan (overrides: Partial<Encodable<Plan>> = {}, nowMs = Date.now()): Encodable<Plan> {
  return {
    fleetId: FLEET_ID,
    deploymentId: 'dep-1',
    seq: 1,
    issuedMs: nowMs,
    expiresMs: nowMs + 3_600_000,
    strategy: 'canary',
    app: {
      name: 'edge-app',
      runtime: 'process',
      args: ['--port', '8080'],
      env: new Map([['MODE', 'prod']]),
      limits: { memoryBytes: 64 * 1024 * 1024, cpuMillis: 500 },
      healthCheck: { kind: 'http', httpPath: '/health', port: 8080, command: [], intervalMs: 1000, timeoutMs: 500, failureThreshold: 3, startPeriodMs: 0 },
      restartPolicy: 'always'
    },
    manifest: testManifest(),
    cohort: { phaseBasisPoints: [10_000], currentPhase: 0, target: 'all' },
    ...overrides
  }
}
