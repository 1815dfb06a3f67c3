/** The samplers on this machine's real /proc, with real child processes. */
import { spawn } from 'node:child_process'
import { availableParallelism, release } from 'node:os'
import { afterEach, describe, expect, it } from 'vitest'
import { processMetrics, systemMetricsSampler } from './index.js'
import type { ChildProcess } from 'node:child_process'

const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

function start (script: string): ChildProcess & { pid: number } {
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' })
  children.push(child)
  if (child.pid === undefined) throw new Error('could not start a child')
  return child as ChildProcess & { pid: number }
}

const sleepMs = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('systemMetricsSampler', () => {
  it('reads CPU, memory, disk, load, interfaces and system info of this machine', async () => {
    const sampler = systemMetricsSampler({ diskPath: '/' })
    await sampler.sample()
    await sleepMs(300)
    const s = await sampler.sample()
    // 0-100 is the share of all CPUs together; 100 × cores would be the per-core sum.
    expect(s.cpuPercent).toBeGreaterThanOrEqual(0)
    expect(s.cpuPercent).toBeLessThanOrEqual(100)
    expect(s.memoryUsedBytes).toBeGreaterThan(0)
    expect(s.memoryUsedBytes).toBeLessThan(s.systemInfo.memoryTotal)
    expect(s.diskUsedBytes).toBeGreaterThan(0)
    expect(s.diskUsedBytes).toBeLessThanOrEqual(s.systemInfo.diskTotal)
    expect(s.loadAverage.load1).toBeGreaterThanOrEqual(0)
    expect(s.systemInfo).toMatchObject({ os: 'linux', kernel: release(), arch: process.arch, cpuCount: availableParallelism() })
    expect(s.systemInfo.uptimeSeconds).toBeGreaterThan(0)
    expect(Math.abs(s.systemInfo.bootTimeMs + s.systemInfo.uptimeSeconds * 1000 - Date.now())).toBeLessThan(5_000)
    const lo = s.interfaces.find(i => i.name === 'lo')
    expect(lo).toMatchObject({ up: true, mac: '00:00:00:00:00:00' })
    expect(lo?.addresses).toContain('127.0.0.1/8')
    expect(lo?.rxBytes).toBeGreaterThan(0)
    expect(s.interfaces.map(i => i.name)).toEqual(s.interfaces.map(i => i.name).sort())
  })

  it('sees a busy child in the system CPU share', async () => {
    const sampler = systemMetricsSampler()
    start('for (;;) {}')
    await sleepMs(100)
    await sampler.sample()
    await sleepMs(1_000)
    // One of availableParallelism() cores is saturated by the child.
    expect((await sampler.sample()).cpuPercent).toBeGreaterThan(100 / availableParallelism() * 0.6)
  })
})

describe('processMetrics', () => {
  it('shows a busy child above 20% of a CPU, with its RSS and uptime', async () => {
    const busy = start('for (;;) {}')
    const sampler = processMetrics(busy.pid)
    await sleepMs(200)
    await sampler.sample()
    await sleepMs(1_000)
    const s = await sampler.sample()
    expect(s?.pid).toBe(busy.pid)
    expect(s?.cpuPercent).toBeGreaterThan(20)
    expect(s?.cpuPercent).toBeLessThan(130) // one thread, plus measurement slack
    expect(s?.memoryRssBytes).toBeGreaterThan(10 * 2 ** 20) // a Node.js process is tens of MiB
    expect(s?.uptimeMs).toBeGreaterThanOrEqual(1_000)
    expect(s?.uptimeMs).toBeLessThan(60_000)
  })

  it('shows a sleeping child below 10%', async () => {
    const idle = start('setTimeout(() => {}, 60_000)')
    const sampler = processMetrics(idle.pid)
    await sleepMs(500) // past Node's start-up work
    await sampler.sample()
    await sleepMs(1_000)
    expect((await sampler.sample())?.cpuPercent).toBeLessThan(10)
  })

  it('gives undefined, not an error, for a process that is gone', async () => {
    const child = start('')
    const sampler = processMetrics(child.pid)
    await new Promise(resolve => child.once('exit', resolve))
    await sleepMs(50)
    expect(await sampler.sample()).toBeUndefined()
    expect(await processMetrics(2 ** 22 + 1).sample()).toBeUndefined() // above pid_max
  })
})
