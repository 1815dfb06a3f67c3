/**
 * STYLE rule 6: every stable error code is defined once and documented in README.md.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const SOURCE_DIRS = ['node', 'proto', 'content', 'gateway', 'simulations']
const CODE = /['"](FLEET_ERR_[A-Z0-9_]*[A-Z0-9])['"]/g
const DEFINITION = /(?:static\s+)?readonly\s+code\s*(?::\s*\w+\s*)?=\s*['"](FLEET_ERR_[A-Z0-9_]+)['"]/g

async function sourceFiles (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])
  return entries
    .filter(e => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.parentPath.includes('generated'))
    .map(e => join(e.parentPath, e.name))
}

describe('error codes', () => {
  it('are each defined by one error class and documented in the README', async () => {
    const files = (await Promise.all(SOURCE_DIRS.map(sourceFiles))).flat()
    const used = new Set<string>()
    const definedBy = new Map<string, string[]>()
    for (const file of files) {
      const text = await readFile(file, 'utf8')
      for (const m of text.matchAll(CODE)) used.add(m[1] ?? '')
      // A class names its code twice (static and instance) in one file: count files, not lines.
      for (const code of new Set([...text.matchAll(DEFINITION)].map(m => m[1] ?? ''))) {
        definedBy.set(code, [...(definedBy.get(code) ?? []), file])
      }
    }
    expect(used.size).toBeGreaterThan(10)
    const duplicated = [...definedBy].filter(([, where]) => where.length > 1)
    expect(duplicated).toEqual([])
    const readme = await readFile('README.md', 'utf8')
    const undocumented = [...used].filter(code => !readme.includes(`\`${code}\``)).sort()
    expect(undocumented).toEqual([])
  })
})
