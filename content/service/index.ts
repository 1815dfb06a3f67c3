/**
 * The artifact store of a fleet node as one service (see artifact-service.ts): import, register,
 * fetch, list, show, verify, pin and GC, serialised against GC by one store lock.
 *
 * @example
 * ```ts
 * import { ArtifactService } from './service/index.js'
 * declare const components: import('./service/index.js').ArtifactServiceComponents
 * const artifacts = await ArtifactService.start(components, { retainPerApp: 2 })
 * const imported = await artifacts.import({ file: '/etc/hostname' })
 * console.log(imported.cid.toString())
 * const report = await artifacts.gc({ dryRun: true })
 * console.log(report.deletedBlocks, 'blocks could be collected')
 * await artifacts.stop()
 * ```
 */
export { ArtifactService } from './artifact-service.js'
export type { ArtifactServiceComponents, ArtifactServiceInit } from './artifact-service.js'
export type { ArtifactRef } from './manifest-dir.js'
export type {
  ArtifactDetails, ArtifactEntry, ArtifactListing, FetchEvent, GcReport, PinJson, StoreUsage, StoredVerification, VerifyEvent, VerifyProblem
} from './types.js'
export { pumpEvents } from './event-pump.js'
export { StoreLock } from './store-lock.js'
export { ArtifactNotFoundError } from './errors.js'
export { RETAIN_PER_APP_MAX } from './constants.js'
