/**
 * A memo of cohort buckets. A bucket is a sha256 per device (node/plans cohortBucket), and
 * hashing dominates a 10,000-device decision; a caller that decides often (the coordinator on
 * every report, the simulator) passes one of these as `RolloutContext.bucketOf`. Owned by the
 * caller, not a module singleton (STYLE rule 2); buckets never change, so caching is exact.
 */
import { cohortBucket } from '../../plans/cohort.js'
import { BUCKET_CACHE_ENTRIES_MAX } from './constants.js'

export type BucketOf = (deploymentId: string, deviceId: string) => number

export function cohortBucketCache (entriesMax = BUCKET_CACHE_ENTRIES_MAX): BucketOf {
  const cache = new Map<string, number>()
  return (deploymentId, deviceId) => {
    const key = `${deploymentId}\u0000${deviceId}`
    let bucket = cache.get(key)
    if (bucket === undefined) {
      // Dropping everything at the limit is crude but bounded and cheap; a refill costs one pass of hashing.
      if (cache.size >= entriesMax) cache.clear()
      bucket = cohortBucket(deploymentId, deviceId)
      cache.set(key, bucket)
    }
    return bucket
  }
}
