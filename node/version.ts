import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The product version, read from the package's own package.json. Found by walking up from
 * this file because the same module runs from `node/` (tsx, tests) and from `dist/node/` (built).
 */
function readVersion (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let depth = 0; depth < 4; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string, version?: string }
      if (pkg.name === 'fleetd' && typeof pkg.version === 'string') return pkg.version
    } catch {}
    dir = dirname(dir)
  }
  return '0.0.0-unknown'
}

export const FLEETD_VERSION = readVersion()
