/**
 * The simulator's only source of chance (STYLE rule 14): sfc32, a small fast PRNG that passes
 * PractRand, implementing the project's Random port. Every scenario parameter and every fault
 * is drawn from one root seeded by `--seed`; components get sub-streams forked from it in a
 * fixed order, so adding draws in one model does not shift the numbers another model sees.
 */
import type { Random } from '../../node/ports/index.js'

const TWO_32 = 2 ** 32

export class SimRandom implements Random {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor (seed: number) {
    // splitmix32 spreads a small seed (1, 2, 42…) over the whole state.
    let s = seed >>> 0
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next(); this.b = next(); this.c = next(); this.d = next()
    for (let i = 0; i < 12; i++) this.nextU32()
  }

  nextU32 (): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0
    this.d = (this.d + 1) >>> 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) >>> 0
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0
    this.c = (this.c + t) >>> 0
    return t
  }

  /** Uniform in [0, 1). */
  float (): number { return this.nextU32() / TWO_32 }

  /** Uniform integer in [0, n). */
  int (n: number): number { return Math.floor(this.float() * n) }

  /** Uniform in [lo, hi). */
  between (lo: number, hi: number): number { return lo + this.float() * (hi - lo) }

  /** True with probability p. */
  chance (p: number): boolean { return p > 0 && this.float() < p }

  /** Exponential with the given mean (inter-arrival times, latency jitter). */
  exponential (mean: number): number { return -mean * Math.log(1 - this.float()) }

  /** Log-normal with the given median and shape: right-skewed delays (installs, health checks). */
  logNormal (median: number, sigma: number): number {
    const u = Math.max(this.float(), 1e-12)
    const v = this.float()
    return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v))
  }

  /** One element, uniformly. */
  pick<T> (items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list')
    return items[this.int(items.length)] as T
  }

  /** `k` distinct elements in draw order (partial Fisher–Yates on a copy). */
  sample<T> (items: readonly T[], k: number): T[] {
    const copy = items.slice()
    const n = Math.min(k, copy.length)
    for (let i = 0; i < n; i++) {
      const j = i + this.int(copy.length - i)
      const tmp = copy[i] as T; copy[i] = copy[j] as T; copy[j] = tmp
    }
    return copy.slice(0, n)
  }

  /** An independent stream seeded from this one (call in a fixed order). */
  fork (): SimRandom { return new SimRandom(this.nextU32()) }
}
