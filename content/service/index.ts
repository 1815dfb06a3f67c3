/**
 * The artifact store of a fleet node as one service (see artifact-service.ts).
 *
 * @example
 * ```ts
 * import { ArtifactService } from './service/index.js'
 * declare const components: import('./service/index.js').ArtifactServiceComponents
 * const artifacts = await ArtifactService.start(components)
 * const imported = await artifacts.import({ file: '/etc/hostname' })
 * console.log(imported.cid.toString())
 * await artifacts.stop()
 * ```
 */
export { ArtifactService } from './artifact-service.js'
export type { ArtifactEntry, ArtifactServiceComponents, FetchEvent } from './artifact-service.js'
