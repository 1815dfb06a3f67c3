/**
 * The demo's sample app: a small Node HTTP server in a `script` artifact. Every demo device
 * runs on this one machine, so a fixed port would collide: the app listens on 127.0.0.1 port 0
 * and writes the port it got to `.port` in its working directory (the agent runs it, and its
 * exec health check, in the version's install dir). The health check is `node -e` reading that
 * file and asking the app's /health.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const SAMPLE_APP = 'http-app'
/** What the demo deploys first (all at once), then as a canary. */
export const BASELINE_VERSION = '1.0.0'
export const CANARY_VERSION = '1.1.0'
/** A script runs anywhere Node does; the manifest still names platforms. */
export const SAMPLE_PLATFORMS = ['linux/amd64', 'linux/arm64']

const SERVER = (version: string): string => `
const http = require('node:http')
const fs = require('node:fs')
const server = http.createServer((req, res) => {
  if (req.url === '/health') { res.writeHead(200); res.end('ok\\n'); return }
  res.end('hello from the FleetD demo, ${version}\\n')
})
server.listen(0, '127.0.0.1', () => {
  // Written then renamed: the health check never reads half a port.
  fs.writeFileSync('.port.tmp', String(server.address().port))
  fs.renameSync('.port.tmp', '.port')
})
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeIdleConnections() })
`

const HEALTH = `
const port = Number(require('node:fs').readFileSync('.port', 'utf8'))
require('node:http').get({ host: '127.0.0.1', port, path: '/health', timeout: 1500 }, res => process.exit(res.statusCode === 200 ? 0 : 1))
  .on('error', err => { console.error(err.message); process.exit(1) })
`

/** Writes the script of `version` into `dir`; returns its path. */
export async function writeSampleApp (dir: string, version: string, node = process.execPath): Promise<string> {
  const script = `#!/bin/sh\nexec "${node}" -e '${SERVER(version).replaceAll("'", "'\\''")}'\n`
  const file = join(dir, `${SAMPLE_APP}-${version}.sh`)
  await writeFile(file, script, { mode: 0o755 })
  return file
}

/** The app's exec health check: run in the install dir, so `.port` is the one this version wrote. */
export function sampleHealthCommand (node = process.execPath): string[] {
  return [node, '-e', HEALTH]
}
