import { describe, expect, it } from 'vitest'
import {
  parseBootTimeS, parseCpuTimes, parseLoadavg, parseMeminfo, parseNetDev, parsePidStat, parseStatmResidentPages, parseUptimeS
} from './proc-parse.js'

describe('/proc parsers', () => {
  it('sums the aggregate cpu line without counting guest time twice, and reads btime', () => {
    const stat = 'cpu  100 10 50 800 40 5 5 0 20 0\ncpu0 50 5 25 400 20 2 3 0 10 0\nintr 1 2\nbtime 1700000000\n'
    expect(parseCpuTimes(stat)).toEqual({ busyTicks: 170, totalTicks: 1010 })
    expect(parseBootTimeS(stat)).toBe(1_700_000_000)
    expect(() => parseCpuTimes('intr 1\n')).toThrow(/no aggregate cpu line/)
  })

  it('reads MemTotal and MemAvailable in bytes, approximating MemAvailable on old kernels', () => {
    expect(parseMeminfo('MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    600 kB\n'))
      .toEqual({ totalBytes: 1000 * 1024, availableBytes: 600 * 1024 })
    expect(parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\n'))
      .toEqual({ totalBytes: 1000 * 1024, availableBytes: 350 * 1024 })
  })

  it('reads load averages, uptime and resident pages', () => {
    expect(parseLoadavg('0.52 0.58 0.59 1/467 12345\n')).toEqual({ load1: 0.52, load5: 0.58, load15: 0.59 })
    expect(parseUptimeS('12345.67 23456.78\n')).toBe(12345.67)
    expect(parseStatmResidentPages('5000 1200 300 10 0 800 0\n')).toBe(1200)
  })

  it('reads per-interface counters of /proc/net/dev', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 1218676149  251453    0    0    0     0          0         0 1218676149  251453    0    0    0     0       0          0',
      '  eth0:1037198061   52704    3    0    0     0          0         0  5562226   39599    7    0    0     0       0          0'
    ].join('\n')
    const counters = parseNetDev(text)
    expect([...counters.keys()]).toEqual(['lo', 'eth0'])
    expect(counters.get('eth0')).toEqual({ rxBytes: 1_037_198_061, rxErrors: 3, txBytes: 5_562_226, txErrors: 7 })
  })

  it('reads /proc/<pid>/stat even when the command name holds spaces and parentheses', () => {
    const tail = '0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0'
    const stat = `4242 (my (odd) app) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 30 0 0 20 0 1 0 98765 10000000 500 ${tail}`
    expect(parsePidStat(stat)).toEqual({ state: 'S', cpuTicks: 180, startTicks: 98_765 })
    expect(() => parsePidStat('4242 (x) S')).toThrow(/unexpected/)
  })
})
