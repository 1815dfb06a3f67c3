/**
 * The device model (issue [5/9]): the plan applier's checks with the real cohort and target
 * rules, the agent's real pure planner with simulated step durations and failures, and the
 * durable report outbox.
 *
 * @example
 * ```ts
 * import { DEFAULT_DEVICE, simAppSpec, simManifest, SIM_APP } from './index.js'
 * const spec = simAppSpec(DEFAULT_DEVICE.healthTimeoutMs)
 * const baseline = { spec, manifest: simManifest('1.0.0', DEFAULT_DEVICE.artifactBytes, 0) }
 * console.log(SIM_APP, baseline.manifest.version)
 * ```
 */
export { Device, selectorCache } from './device.js'
export type { ArtifactFetcher, DeviceComponents, DeviceObserver } from './device.js'
export { ReportOutbox, REPORT_BYTES } from './outbox.js'
export type { ReportReceiver } from './outbox.js'
export { DEFAULT_DEVICE } from './params.js'
export type { DeviceParams } from './params.js'
export { BASELINE_VERSION, FORGED_VERSION, NEW_VERSION, SIM_APP, simAppRecord, simAppSpec, simManifest } from './catalog.js'
