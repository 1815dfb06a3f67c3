/**
 * What the demo does on its fleet, through the coordinator's API like an operator would:
 * upload the sample app's two versions to the coordinator's store, create the app, deploy
 * the first version to every device at once (so the canary has a version to roll back to),
 * then roll out the second as a canary: 34% of the devices, then 67%, then all, 20 s apart,
 * rolled back if the new version's error rate passes 50%.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { rpcPost } from '../../rpc/index.js'
import { uploadArtifact } from '../commands/artifact-upload.js'
import { ApiRequestError } from '../commands/server-client.js'
import { BASELINE_VERSION, CANARY_VERSION, SAMPLE_APP, SAMPLE_PLATFORMS, sampleHealthCommand, writeSampleApp } from './sample-app.js'
import type { ApiClient } from '../commands/server-client.js'
import type { DeviceView } from '../../coordinator/registry/index.js'
import type { DeploymentRecord, ReportCounts } from '../../coordinator/store/index.js'
import type { PrivateKey } from '@libp2p/interface'

export const DEMO_GROUP = 'demo'
const POLL_MS = 1_000
/** A phase of the canary; three phases make the whole rollout about a minute. */
export const CANARY_INTERVAL_MS = 20_000

export interface DeploymentView { deployment: DeploymentRecord, counts: ReportCounts }

/** Uploads the versions the coordinator does not hold yet (a second `npm start` reuses them). */
export async function uploadSampleVersions (dir: string, coordinatorStorageDir: string, releaseKey: PrivateKey): Promise<void> {
  const appDir = join(dir, 'app')
  await mkdir(appDir, { recursive: true })
  for (const version of [BASELINE_VERSION, CANARY_VERSION]) {
    const held = await rpcPost(coordinatorStorageDir, '/v1/artifacts/show', { ref: `${SAMPLE_APP}@${version}` }).then(() => true, () => false)
    if (held) continue
    const file = await writeSampleApp(appDir, version)
    await uploadArtifact({ node: coordinatorStorageDir, file, name: SAMPLE_APP, version, platforms: SAMPLE_PLATFORMS, type: 'script', privateKey: releaseKey, keep: true })
  }
}

/** Creates the app unless it exists (from an earlier run of the demo). */
export async function ensureSampleApp (api: ApiClient): Promise<void> {
  try {
    await api.get(`/api/v1/apps/${SAMPLE_APP}`)
    return
  } catch (err) {
    if (!(err instanceof ApiRequestError && err.status === 404)) throw err
  }
  await api.post('/api/v1/apps', {
    name: SAMPLE_APP,
    artifact: `${SAMPLE_APP}:${BASELINE_VERSION}`,
    runtime: 'process',
    healthCheck: { kind: 'exec', command: sampleHealthCommand() },
    restartPolicy: 'on-failure'
  })
}

/** Polls until `count` devices of the demo group are online in the coordinator's registry. */
export async function waitForDevices (api: ApiClient, count: number, timeoutMs: number, signal: AbortSignal): Promise<DeviceView[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { devices } = await api.get<{ devices: DeviceView[] }>(`/api/v1/devices?status=online&label=group%3D${DEMO_GROUP}`)
    if (devices.length >= count) return devices
    if (Date.now() > deadline) throw new Error(`only ${devices.length} of ${count} demo devices came online within ${timeoutMs / 1000} s; see the node-*.log files`)
    await sleep(POLL_MS, undefined, { signal })
  }
}

export async function deployBaseline (api: ApiClient): Promise<DeploymentRecord> {
  return await api.post<DeploymentRecord>('/api/v1/deployments', {
    app: SAMPLE_APP, version: BASELINE_VERSION, target: `group:${DEMO_GROUP}`, strategy: 'all-at-once',
    allAtOnce: { durationMs: 5_000 }, minSamples: 1, evaluationIntervalMs: 5_000
  })
}

export async function deployCanary (api: ApiClient): Promise<DeploymentRecord> {
  return await api.post<DeploymentRecord>('/api/v1/deployments', {
    app: SAMPLE_APP, version: CANARY_VERSION, target: `group:${DEMO_GROUP}`, strategy: 'canary',
    canary: { initialPercent: 34, incrementPercent: 33, intervalMs: CANARY_INTERVAL_MS },
    minSamples: 1, evaluationIntervalMs: 5_000,
    triggers: [{ metric: 'error_rate', threshold: 0.5, minSamples: 1, action: 'immediate' }]
  })
}

export async function deploymentView (api: ApiClient, id: string): Promise<DeploymentView> {
  return await api.get<DeploymentView>(`/api/v1/deployments/${encodeURIComponent(id)}`)
}

/** States a deployment does not leave without a person. */
export const FINAL_STATES: ReadonlySet<string> = new Set(['succeeded', 'rolled-back', 'failed', 'paused', 'awaiting-approval'])

/**
 * Polls the deployment until it reaches a final state or `deadlineMs`, calling `onStatus`
 * every `refreshMs`; returns the last view. Stops early (returning the last view) on `signal`.
 */
export async function followDeployment (api: ApiClient, id: string, options: { deadlineMs: number, refreshMs: number, signal: AbortSignal, onStatus(view: DeploymentView): Promise<void> }): Promise<DeploymentView> {
  let shownMs = 0
  for (;;) {
    const view = await deploymentView(api, id)
    const final = FINAL_STATES.has(view.deployment.state)
    if (final || Date.now() - shownMs >= options.refreshMs) {
      await options.onStatus(view)
      shownMs = Date.now()
    }
    if (final || Date.now() > options.deadlineMs || options.signal.aborted) return view
    await sleep(POLL_MS, undefined, { signal: options.signal }).catch(() => {})
  }
}
