import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { ArtifactSource } from '../../node/agent/index.js'
import type { ManifestJson } from '../../content/manifest/index.js'

/**
 * An ArtifactSource over local files, checking size and sha256 like the real one; it does not
 * check signatures (that is the ArtifactService's part, tested with the node end to end).
 * Used so the agent's tests exercise real processes without a mesh.
 */
export function fileArtifactSource (files: Map<string, string>): ArtifactSource & { fetches: number } {
  const source = {
    fetches: 0,
    fetch: async (manifest: ManifestJson): Promise<string> => {
      source.fetches++
      const file = files.get(`${manifest.name}@${manifest.version}`)
      if (file == null) throw new Error(`no file for ${manifest.name}@${manifest.version}`)
      const bytes = await readFile(file)
      if (bytes.length !== manifest.size || createHash('sha256').update(bytes).digest('hex') !== manifest.sha256) throw new Error(`${file} does not match its manifest`)
      return file
    }
  }
  return source
}
