/** One metric's aggregate over a rollup bucket: count, sum, min, max (avg = sum / count). */
export type Agg = [count: number, sum: number, min: number, max: number]
export type RollupRecord = Record<string, Agg>

export function addSample (into: RollupRecord, metrics: Record<string, number>): void {
  for (const [name, v] of Object.entries(metrics)) {
    const a = into[name]
    if (a == null) into[name] = [1, v, v, v]
    else { a[0]++; a[1] += v; if (v < a[2]) a[2] = v; if (v > a[3]) a[3] = v }
  }
}

/** Merges `b` into `a` (two records of the same bucket: a late sample, or a bucket split by a restart). */
export function mergeAgg (a: Agg | undefined, b: Agg): Agg {
  if (a == null) return [...b]
  return [a[0] + b[0], a[1] + b[1], Math.min(a[2], b[2]), Math.max(a[3], b[3])]
}

export function bucketOf (atMs: number, intervalMs: number): number {
  return Math.floor(atMs / intervalMs) * intervalMs
}
