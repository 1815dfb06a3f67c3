import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import {
  createHostNetwork, listNamespaces, netnsSupport, removeStaleNamespaces, waitForExit, waitForLine,
  withHostNetwork, type HostNetwork
} from './netns-hosts.js'
import { ip } from './netns-exec.js'
import { TEST_OUTPUT_DIR } from './netns-logs.js'

const support = await netnsSupport()
if (!support.ok) console.warn(`netns host tests skipped: ${support.reason}`)

const NODE = process.execPath
const MDNS_GROUP = '224.0.0.251'
const MDNS_PORT = '5353'
/** Bound for any helper process in these tests; each exits by itself well before. */
const CHILD_TIMEOUT_MS = 5_000

// Joins the mDNS group on the host's own address and prints the first datagram it gets.
const MCAST_RECEIVE = `const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true })
const [group, port, address] = process.argv.slice(1)
s.on('message', (m, r) => { console.log('got ' + m + ' from ' + r.address); s.close() })
s.bind(Number(port), () => { s.addMembership(group, address); console.log('ready') })
setTimeout(() => process.exit(2), ${CHILD_TIMEOUT_MS}).unref()`
// Sends without choosing an interface, so it only works through the 224.0.0.0/4 route.
const MCAST_SEND = `const s = require('node:dgram').createSocket('udp4')
const [group, port, text] = process.argv.slice(1)
s.bind(0, () => { s.setMulticastTTL(1); s.send(text, Number(port), group, (e) => { if (e) throw e; s.close() }) })`
const TCP_RECEIVE = `let n = 0, t0 = 0
const srv = require('node:net').createServer((c) => {
  c.on('data', (d) => { if (n === 0) t0 = Date.now(); n += d.length })
  c.on('end', () => { console.log('bytes ' + n + ' ms ' + (Date.now() - t0)); srv.close() })
}).listen(7000, () => console.log('ready'))
setTimeout(() => process.exit(2), ${CHILD_TIMEOUT_MS}).unref()`
const TCP_SEND = `require('node:net').connect(7000, process.argv[1], function () { this.end(Buffer.alloc(1024 * 1024)) })`

function rootInterfaces (): string[] {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n').map((line) => line.split(':')[1]?.trim() ?? '').filter((name) => name !== '').sort()
}

const title = support.ok ? 'netns hosts' : `netns hosts (skipped: ${support.reason})`

describe.skipIf(!support.ok)(title, { timeout: 20_000 }, () => {
  let network: HostNetwork | undefined
  let rootBefore: string[] = []
  const net = (): HostNetwork => network ?? expect.fail('network was not created')

  beforeAll(async () => {
    await removeStaleNamespaces()
    rootBefore = rootInterfaces()
    network = await createHostNetwork({ count: 3, prefix: 'test' })
  })
  // Runs even when a test throws; destroy() is idempotent, so the explicit one below is fine too.
  afterAll(async () => { await network?.destroy() })

  it('addresses hosts in 198.18.0.0/15 and host 0 reaches host 2', async () => {
    const [h0, , h2] = net().hosts
    expect(net().hosts.map((h) => h.address)).toEqual(net().hosts.map((_, i) => net().subnet.replace(/0\/24$/, String(i + 1))))
    expect(h2!.address).toMatch(/^198\.1[89]\./)
    expect((await h0!.ping(h2!.address)).reachable).toBe(true)
  })

  it('delivers a multicast datagram to 224.0.0.251:5353 from host 0 to hosts 1 and 2', async () => {
    const [h0, h1, h2] = net().hosts
    const receivers = [h1!, h2!].map((h) => ({ host: h, child: h.spawn(NODE, ['-e', MCAST_RECEIVE, MDNS_GROUP, MDNS_PORT, h.address]) }))
    await Promise.all(receivers.map(async (r) => await waitForLine(r.child, /^ready$/, CHILD_TIMEOUT_MS)))
    const sent = await h0!.exec(NODE, ['-e', MCAST_SEND, MDNS_GROUP, MDNS_PORT, 'hello-mesh'])
    expect(sent.code, sent.stderr).toBe(0)
    for (const { host, child } of receivers) {
      expect(await waitForExit(child, CHILD_TIMEOUT_MS), host.logs().join('\n')).toBe(0)
      expect(host.logs(child.pid)).toContain(`got hello-mesh from ${h0!.address}`)
    }
  })

  it('lets a later host join and be reached', async () => {
    const h3 = await net().addHost()
    expect(h3.name).toBe('h3')
    expect((await net().hosts[0]!.ping(h3.address)).reachable).toBe(true)
  })

  it('partitions a host with linkDown() and heals it with linkUp()', async () => {
    const [h0, , h2] = net().hosts
    await h2!.linkDown()
    expect((await h0!.ping(h2!.address, { timeoutMs: 300 })).reachable).toBe(false)
    await h2!.linkUp()
    expect((await h0!.ping(h2!.address)).reachable).toBe(true)
    expect((await h2!.exec('ip', ['route', 'show', '224.0.0.0/4'])).stdout).toContain('dev eth0')
  })

  it('shapes egress with tbf', async () => {
    const [h0, h1] = net().hosts
    await h1!.setEgressRate(8)
    expect((await h1!.exec('tc', ['qdisc', 'show', 'dev', 'eth0'])).stdout).toMatch(/tbf .*rate 8Mbit/)
    const sink = h0!.spawn(NODE, ['-e', TCP_RECEIVE])
    await waitForLine(sink, /^ready$/, CHILD_TIMEOUT_MS)
    const done = waitForLine(sink, /^bytes/, CHILD_TIMEOUT_MS) // listen before the sender can finish
    await h1!.exec(NODE, ['-e', TCP_SEND, h0!.address])
    const report = await done
    // 1 MiB at 8 Mbit/s takes ~1.05 s; unshaped it takes a few ms.
    expect(Number(/ms (\d+)/.exec(report)?.[1])).toBeGreaterThan(700)
    await h1!.clearEgressRate()
    expect((await h1!.exec('tc', ['qdisc', 'show', 'dev', 'eth0'])).stdout).not.toContain('tbf')
  })

  it('bounds exec() and keeps the last 200 lines per process', async () => {
    const h0 = net().hosts[0]!
    const slow = await h0.exec('sleep', ['5'], { timeoutMs: 200 })
    expect(slow).toMatchObject({ timedOut: true, code: null })
    const chatty = h0.spawn(NODE, ['-e', 'for (let i = 1; i <= 300; i++) console.log("line " + i)'], { tee: true })
    expect(await waitForExit(chatty, CHILD_TIMEOUT_MS)).toBe(0)
    const lines = h0.logs(chatty.pid)
    expect(lines).toHaveLength(200)
    expect([lines[0], lines.at(-1)]).toEqual(['line 101', 'line 300'])
    // The tee file keeps everything, not just the ring's last 200 lines.
    const teeFile = join(TEST_OUTPUT_DIR, 'netns', `${h0.ns}-${chatty.pid}.log`)
    await vi.waitFor(() => expect(readFileSync(teeFile, 'utf8').split('\n')).toHaveLength(301))
    rmSync(teeFile)
  })

  it('removes namespaces of dead owners but not live ones', async () => {
    const dead = execFileSync(NODE, ['-p', 'process.pid'], { encoding: 'utf8' }).trim()
    // A root of our own, so a concurrent test run's sweep cannot take the namespace first.
    const root = `fdtstale${process.pid}`
    const stale = `${root}-${dead}-x`
    try {
      await ip(['netns', 'add', stale])
      expect(await removeStaleNamespaces(root)).toEqual([stale])
      expect(await listNamespaces()).not.toContain(stale)
      expect((await removeStaleNamespaces()).filter((name) => name.startsWith(net().tag))).toEqual([])
      expect(await listNamespaces()).toContain(net().switchNs)
    } finally {
      await ip(['netns', 'del', stale]).catch(() => {})
    }
  })

  it('destroys everything even when the body throws', async () => {
    let tag = ''
    await expect(withHostNetwork({ count: 2, prefix: 'throw' }, async (n) => {
      tag = n.tag
      await n.hosts[0]!.exec('true')
      throw new Error('boom')
    })).rejects.toThrow('boom')
    expect(tag).not.toBe('')
    expect((await listNamespaces()).filter((name) => name.startsWith(tag))).toEqual([])
  })

  it('adds no root interface, kills leftover processes and deletes its namespaces on destroy', async () => {
    expect(rootInterfaces()).toEqual(rootBefore)
    const h0 = net().hosts[0]!
    const sleeper = net().hosts[1]!.spawn('sleep', ['60'])
    const stubborn = h0.spawn(NODE, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000); console.log("ready")'])
    await waitForLine(stubborn, /^ready$/, CHILD_TIMEOUT_MS)
    await net().destroy()
    await net().destroy() // idempotent
    await Promise.all([waitForExit(sleeper, 1_000), waitForExit(stubborn, 1_000)])
    expect([sleeper.signalCode, stubborn.signalCode]).toEqual(['SIGTERM', 'SIGKILL'])
    expect((await listNamespaces()).filter((name) => name.startsWith(net().tag))).toEqual([])
    expect(rootInterfaces()).toEqual(rootBefore)
  })
})
