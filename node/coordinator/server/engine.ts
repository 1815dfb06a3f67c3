import type { DeploymentCommandKind, DeploymentState } from '../store/index.js'

/** An operator command on a deployment, as the server hands it to the engine. */
export interface DeploymentCommand {
  kind: DeploymentCommandKind
  /** The API token's name. */
  actor: string
  atMs: number
  /** Why, in the operator's words (rollback reason, pause note). */
  reason?: string
}

export interface DeploymentCommandResult {
  /** False when the engine refuses (e.g. promote on a rolled-back deployment): the API answers 409. */
  accepted: boolean
  /** The deployment's status after the command, when the engine changed it. */
  state?: DeploymentState
  /** Furthest phase after the command, when it changed. */
  phase?: number
  /** For people: why it was refused, or what happens next. */
  reason?: string
  /** Audit fields only the engine knows: it verified the manifest's signatures and scan before planning. */
  audit?: { signatureVerified?: boolean, scanResult?: string, rollbackReason?: string }
}

/**
 * Where operator commands go. The server validates the caller, records the command on the
 * deployment and in the audit log, and asks the engine what it means; the rollout controller
 * (node/coordinator/rollout, wired in by `fleets server`) makes the actual decisions — which
 * phase, which plan to sign, when to roll back — from persisted device reports.
 */
export interface DeploymentEngine {
  onCommand(deploymentId: string, command: DeploymentCommand): Promise<DeploymentCommandResult>
}

/**
 * The default engine: accepts every command and changes nothing. It only lets the API record
 * what operators asked for while no rollout controller is wired in (tests, a coordinator
 * started without the mesh); deployments stay in the status they were created with.
 */
export function recordingEngine (): DeploymentEngine {
  return {
    async onCommand () {
      return await Promise.resolve({ accepted: true, reason: 'recorded; no rollout controller is attached to act on it' })
    }
  }
}
