import type { ManifestJson } from '../../content/manifest/index.js'
import type { ArtifactService } from '../../content/service/index.js'
import type { AbortOptions } from '../ports/index.js'

/**
 * Where the agent gets artifacts (DESIGN's ArtifactSource port): the signed manifest is
 * verified against the node's trusted keys and the file against the manifest's size and sha256
 * before a path is returned. The real one fetches through the fleet's swarm; the simulator has
 * its own.
 */
export interface ArtifactSource {
  fetch(manifest: ManifestJson, options?: AbortOptions): Promise<string>
  /** Tells the store which version runs, so GC keeps it. */
  markRunning?(manifest: ManifestJson): Promise<void>
}

/** The node's ArtifactService as an ArtifactSource. */
export function fleetArtifactSource (artifacts: Pick<ArtifactService, 'fetch' | 'pin'>): ArtifactSource {
  return {
    fetch: async (manifest, options = {}) => {
      for await (const event of artifacts.fetch(manifest, options.signal)) {
        if (event.type === 'done') return event.path
      }
      throw new Error(`the fetch of ${manifest.name}@${manifest.version} ended without a file`)
    },
    markRunning: async (manifest) => {
      await artifacts.pin({ name: manifest.name, version: manifest.version }, 'running')
    }
  }
}
