/**
 * The app and artifact versions a scenario deploys, in the real record and manifest shapes the
 * coordinator's plan builder and the agent's planner take. Manifests are not signed here:
 * artifact signatures are checked by the content layer, which the swarm model (a later step)
 * will stand in for.
 */
import { createHash } from 'node:crypto'
import { appSpecSchema } from '../../node/agent/app-spec.js'
import type { ManifestJson } from '../../content/manifest/index.js'
import type { AppSpec } from '../../node/agent/app-spec.js'
import type { AppRecord } from '../../node/coordinator/store/records.js'

export const SIM_APP = 'edge-app'
export const BASELINE_VERSION = '1.0.0'
export const NEW_VERSION = '2.0.0'
/** What forged plans try to install. */
export const FORGED_VERSION = '6.6.6-evil'

/** A CIDv1 (raw) of the empty block: any valid CID does, the swarm is not modelled yet. */
const SIM_CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'

export function simManifest (version: string, sizeBytes: number, createdMs: number): ManifestJson {
  return {
    name: SIM_APP,
    version,
    platforms: ['linux/arm64'],
    type: 'binary',
    size: sizeBytes,
    sha256: createHash('sha256').update(`${SIM_APP}@${version}`).digest('hex'),
    cid: SIM_CID,
    createdMs,
    signatures: []
  }
}

export function simAppRecord (createdMs: number): AppRecord {
  return {
    name: SIM_APP,
    artifact: { name: SIM_APP, version: NEW_VERSION },
    runtime: 'process',
    args: [],
    env: {},
    limits: {},
    healthCheck: { kind: 'http', port: 8080, path: '/healthz' },
    restartPolicy: 'on-failure',
    createdMs,
    createdBy: 'simulator'
  }
}

/** The agent's app spec: parsed by the real schema, so the planner sees real defaults. */
export function simAppSpec (healthTimeoutMs: number): AppSpec {
  return appSpecSchema.parse({ name: SIM_APP, update: { strategy: 'stop-start', healthTimeoutMs } })
}
