/**
 * `npm run bench:logs`: app logs through the mesh against reading the same file locally, side
 * by side. Two real libp2p nodes in this process (TCP on loopback, Noise, yamux), the device's
 * LogServer with its default buffer, the coordinator's openDeviceLogs reading as fast as it can:
 * - follow: the app writes a burst of LINES lines; lines/s delivered (and lines dropped for a
 *   reader slower than the file) vs node/runtime/logs followLog reading the burst locally;
 * - tail: the last 10,000 lines through the mesh vs tailLog locally (ms, median of ROUNDS).
 * Figures swing with the machine's load; compare the lines of one run.
 */
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { keyIdOf } from '../../node/fleet/index.js'
import { logServer, openDeviceLogs } from '../../node/log-stream/index.js'
import { silentLogger } from '../../node/logging/index.js'
import { systemClock } from '../../node/ports/index.js'
import { followLog, tailLog } from '../../node/runtime/logs/index.js'

const LINES = Number(process.env.BENCH_LINES ?? 100_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const TAIL = 10_000
const line = (i: number): string => `2026-11-25T10:00:00Z line ${String(i).padStart(7, '0')} ${'x'.repeat(70)}`

const bare = async (): ReturnType<typeof createLibp2p> => await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() }
})
const [device, coordinator] = await Promise.all([bare(), bare()])
const fleetKey = await generateKeyPair('Ed25519')
const dir = await mkdtemp(join(tmpdir(), 'fleetd-logs-bench-'))
const path = join(dir, 'web.log')
await writeFile(path, Array.from({ length: TAIL }, (_, i) => line(i)).join('\n') + '\n')
const server = logServer()({
  libp2p: device, clock: systemClock(), logger: silentLogger, fleetId: 'bench', logsDir: dir, apps: () => ['web'],
  trustedKeys: () => [{ keyId: keyIdOf(fleetKey.publicKey.raw), publicKey: fleetKey.publicKey.raw, role: 'coordinator' }]
})
await server.start()
await coordinator.dial(device.getMultiaddrs()[0] ?? (() => { throw new Error('no address') })())
const client = { libp2p: coordinator, clock: systemClock(), fleetId: 'bench', signingKey: fleetKey }
const query = { deviceId: device.peerId.toString(), app: 'web' }
let next = TAIL

async function burst (): Promise<{ first: string, last: string }> {
  const lines = Array.from({ length: LINES }, () => line(next++))
  await appendFile(path, lines.join('\n') + '\n')
  return { first: lines[0] ?? '', last: lines.at(-1) ?? '' }
}

// Follow, locally: how fast the file itself can be followed.
let pending = { first: '', last: '' }
const local = new AbortController()
const localStart = { ms: 0 }
let localMs = 0
const localDone = (async () => {
  let target = ''
  for await (const l of followLog(path, { signal: local.signal })) {
    if (localStart.ms === 0) localStart.ms = performance.now()
    if (target === '') target = pending.last
    if (l === target) { localMs = performance.now() - localStart.ms; local.abort() }
  }
})()
await new Promise(resolve => setTimeout(resolve, 300))
const t0 = performance.now()
pending = await burst()
localStart.ms = t0
await localDone
const localRate = LINES / (localMs / 1000)

// Follow through the mesh.
const logs = await openDeviceLogs(client, { ...query, tailLines: 0, follow: true })
await new Promise(resolve => setTimeout(resolve, 300))
const t1 = performance.now()
const { last } = await burst()
let delivered = 0
let dropped = 0
for await (const chunk of logs) {
  delivered += chunk.lines.length
  dropped += chunk.dropped
  if (chunk.lines.at(-1) === last) break
}
const meshMs = performance.now() - t1
logs.close()
const meshRate = delivered / (meshMs / 1000)

// Tail of 10,000 lines.
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const tailLocal: number[] = []
const tailMesh: number[] = []
for (let r = 0; r < ROUNDS; r++) {
  let t = performance.now()
  const lines = await tailLog(path, TAIL, { includeRotated: true })
  tailLocal.push(performance.now() - t)
  t = performance.now()
  let n = 0
  for await (const chunk of await openDeviceLogs(client, { ...query, tailLines: TAIL, follow: false })) n += chunk.lines.length
  tailMesh.push(performance.now() - t)
  if (n !== lines.length) throw new Error(`the mesh tail gave ${n} lines, the local one ${lines.length}`)
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
console.log(`logs bench: ${fmt(LINES)}-line burst (${line(0).length + 1} bytes a line), tail of ${fmt(TAIL)} lines, ${ROUNDS} rounds`)
console.log('| path | follow: lines/s | lines dropped | tail 10,000: ms (median) |')
console.log('|---|---|---|---|')
console.log(`| local (followLog / tailLog) | ${fmt(localRate)} | 0 | ${median(tailLocal).toFixed(1)} |`)
console.log(`| mesh (LogServer → openDeviceLogs) | ${fmt(meshRate)} (${(meshRate / localRate).toFixed(2)}× local) | ${fmt(dropped)} | ${median(tailMesh).toFixed(1)} (${(median(tailMesh) / median(tailLocal)).toFixed(1)}× local) |`)
console.log(`device's log server: ${JSON.stringify({ ...server.stats(), recentRefusals: undefined })}; load average ${(await import('node:os')).loadavg().map(x => x.toFixed(1)).join(' ')}`)
await server.stop()
await Promise.all([device.stop(), coordinator.stop()])
