import type { AppSpec } from './app-spec.js'
import type { ManifestJson } from '../../content/manifest/index.js'
import type { ProcessHandle } from '../runtime/process/index.js'

/** What the device should run: per app, a spec and the signed manifest of its version. */
export interface TargetApp { spec: AppSpec, manifest: ManifestJson }
export interface Target { apps: Record<string, TargetApp> }

export interface InstalledRecord {
  dir: string
  /** argv to run, from the artifact (binary, script, archive manifest) or the spec's command. */
  entrypoint: string[]
  env?: Record<string, string>
}

/** One running version of an app; persisted so a restarted agent adopts it instead of starting another. */
export interface InstanceRecord {
  /** Random id put in the process's environment before it is spawned (instance-finder.ts). */
  id: string
  handle?: ProcessHandle
  /** Port env name → the instance's own port behind the agent's public port. */
  ports: Record<string, number>
}

export interface VersionFailures {
  /** When each failed attempt ended (ms). */
  attemptsMs: number[]
  lastError: string
  /** No new attempt before this time. */
  retryAtMs: number
  /** Set while the version sits in the penalty box. */
  penaltyUntilMs?: number
}

export interface AppState {
  /** Spec and manifest of every version the agent may run (the target, the active, the previous). */
  versions: Record<string, TargetApp>
  installed: Record<string, InstalledRecord>
  /** The committed version: what the app runs when nothing is in progress. */
  active?: string
  previous?: string
  instances: Record<string, InstanceRecord>
  failures: Record<string, VersionFailures>
}

/** Everything the agent persists; every step leaves it consistent (crash safety). */
export interface AgentState {
  target: Target
  apps: Record<string, AppState>
}

/** What the executor sees of the world at planning time (not persisted). */
export interface ObservedApp {
  /** Versions with a supervised process (running, starting or restarting). */
  running: Record<string, boolean>
  /** Health of each running version ('none' when the app has no check). */
  health: Record<string, 'starting' | 'healthy' | 'unhealthy' | 'none'>
  /** Version the public ports forward to, if the app has ports. */
  proxied?: string
}

export const emptyAppState = (): AppState => ({ versions: {}, installed: {}, instances: {}, failures: {} })
