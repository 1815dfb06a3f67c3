import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml'
}

/**
 * Where the dashboard's files are: `dashboard/` beside this module when run from source (tsx),
 * or the same folder in the source tree when run from `dist/` (tsc copies no .html/.js/.css).
 */
export function dashboardDir (): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, 'dashboard'), resolve(here, '../../../../node/coordinator/observability/dashboard')]
  return candidates.find(d => existsSync(join(d, 'index.html'))) ?? candidates[0] ?? here
}

/** The dashboard's files, read once: a handful of small files, served from memory. */
export async function loadDashboard (dir: string): Promise<Map<string, { type: string, body: Buffer }>> {
  const files = new Map<string, { type: string, body: Buffer }>()
  for (const name of ['index.html', 'app.js', 'api.js', 'charts.js', 'views.js', 'style.css']) {
    const ext = name.slice(name.lastIndexOf('.'))
    files.set(name, { type: TYPES[ext] ?? 'application/octet-stream', body: await readFile(join(dir, name)) })
  }
  return files
}
