/**
 * `npm run bench:agent`: time from "target changed" to "new version healthy and live" for the
 * fixture HTTP app, stop-start vs blue-green side by side, and the downtime each causes as seen
 * by a client polling the app's port without pause (failed requests and the longest gap between
 * successful answers). Real processes on loopback; the artifact is a local file (the fetch
 * through the mesh is measured by bench:content).
 */
import { mkdtemp } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { agent } from '../../node/agent/index.js'
import { silentLogger } from '../../node/logging/index.js'
import { systemClock } from '../../node/ports/index.js'
import { writeFixture } from '../fixtures/http-app.js'
import { fileArtifactSource } from '../agent/file-artifact-source.js'
import type { AgentEvent } from '../../node/agent/index.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6)
const PORT = 17_500

const get = async (): Promise<boolean> => await new Promise(resolve => {
  const req = request({ host: '127.0.0.1', port: PORT, path: '/', agent: false, timeout: 2_000 }, res => { res.resume(); res.on('end', () => { resolve(res.statusCode === 200) }) })
  req.on('timeout', () => { req.destroy() })
  req.on('error', () => { resolve(false) })
  req.end()
})

const dir = await mkdtemp(join(tmpdir(), 'fleetd-agent-bench-'))
const files = new Map<string, string>()
const manifests = []
for (let i = 0; i <= 2 * ROUNDS; i++) {
  const { file, manifest } = await writeFixture(dir, { version: `1.0.${i}` })
  files.set(`http-app@1.0.${i}`, file)
  manifests.push(manifest)
}
const events: AgentEvent[] = []
const a = agent({ storageDir: dir })({ clock: systemClock(), logger: silentLogger, artifacts: fileArtifactSource(files) })
a.onEvent(e => events.push(e))
await a.start()
const spec = (strategy: string): unknown => ({
  name: 'http-app', ports: [{ port: PORT, host: '127.0.0.1' }], update: { strategy, healthTimeoutMs: 30_000 },
  healthCheck: { kind: 'http', path: '/health', intervalMs: 100, retries: 2, startPeriodMs: 10_000 }
})
const live = async (version: string): Promise<void> => {
  while (!events.some(e => e.type === 'updated' && e.version === version) || !a.status().converged) await new Promise(resolve => setTimeout(resolve, 20))
}
await a.setApp(spec('stop-start'), manifests[0])
await live('1.0.0')

const results: Record<string, { ms: number[], failed: number, requests: number, gapMs: number }> = {}
let n = 1
for (let round = 0; round < ROUNDS; round++) {
  for (const strategy of ['stop-start', 'blue-green']) {
    const r = results[strategy] ??= { ms: [], failed: 0, requests: 0, gapMs: 0 }
    let polling = true
    let lastOk = Date.now()
    const poller = (async () => {
      while (polling) {
        const ok = await get()
        r.requests++
        if (ok) { r.gapMs = Math.max(r.gapMs, Date.now() - lastOk); lastOk = Date.now() } else r.failed++
      }
    })()
    await new Promise(resolve => setTimeout(resolve, 200))
    const version = `1.0.${n++}`
    const start = Date.now()
    await a.setApp(spec(strategy), manifests[n - 1])
    await live(version)
    r.ms.push(Date.now() - start)
    await new Promise(resolve => setTimeout(resolve, 300))
    polling = false
    await poller
  }
}
await a.removeApp('http-app')
while (a.status().apps.length > 0) await new Promise(resolve => setTimeout(resolve, 50))
await a.stop()

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0
console.log(`\n  ${ROUNDS} updates per strategy, fixture HTTP app (node), health check every 100 ms; a client polling the port back to back\n`)
console.log('  strategy     target → live (median, max)   requests   failed   longest gap between answers')
for (const [strategy, r] of Object.entries(results)) {
  console.log(`  ${strategy.padEnd(12)} ${`${median(r.ms)} ms, ${Math.max(...r.ms)} ms`.padEnd(29)} ${String(r.requests).padEnd(10)} ${String(r.failed).padEnd(8)} ${r.gapMs} ms`)
}
const bg = results['blue-green']
const ss = results['stop-start']
if (bg != null && ss != null) console.log(`\n  blue-green / stop-start time to live: ${(median(bg.ms) / median(ss.ms)).toFixed(2)}×; failed requests ${bg.failed} vs ${ss.failed}`)
