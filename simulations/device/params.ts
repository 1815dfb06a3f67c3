/** How long the agent's steps take on a simulated device and how often they fail. */

export interface DeviceParams {
  /** Artifact size: install time is a fluid download at the device's download bandwidth. */
  artifactBytes: number
  /** Verify and unpack after the download, median ms. */
  installVerifyMsMedian: number
  startMsMedian: number
  /** A good version reports healthy after this (median ms). */
  healthyMsMedian: number
  /** A bad version fails its health check after the app spec's health timeout. */
  healthTimeoutMs: number
  stopMsMedian: number
  /** Probability that one install attempt fails (flaky storage or fetch); the agent retries with backoff. */
  installFailure: number
  /** Versions that never become healthy. */
  badVersions: ReadonlySet<string>
  /** Fraction of devices outside the deployment's target group (they must never change). */
  untargetedFraction: number
}

export const DEFAULT_DEVICE: DeviceParams = {
  artifactBytes: 20 * 1024 * 1024,
  installVerifyMsMedian: 800,
  startMsMedian: 1_500,
  healthyMsMedian: 5_000,
  healthTimeoutMs: 30_000,
  stopMsMedian: 400,
  installFailure: 0,
  badVersions: new Set(),
  untargetedFraction: 0.05
}

/** Shape of the log-normal step durations: most near the median, a long tail. */
export const STEP_SIGMA = 0.4
