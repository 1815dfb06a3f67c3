/** Percentiles of measured delays for the reports (nearest-rank on a sorted copy). */

export interface Distribution { count: number, min: number, p50: number, p90: number, p99: number, max: number, mean: number }

export function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

export function summarize (values: readonly number[]): Distribution {
  const sorted = Float64Array.from(values).sort()
  const list = Array.from(sorted)
  const sum = list.reduce((a, b) => a + b, 0)
  return {
    count: list.length,
    min: list[0] ?? Number.NaN,
    p50: percentile(list, 50),
    p90: percentile(list, 90),
    p99: percentile(list, 99),
    max: list.at(-1) ?? Number.NaN,
    mean: list.length === 0 ? Number.NaN : sum / list.length
  }
}
