/**
 * Which devices a deployment targets (DESIGN "Deployment"). The grammar and the matching are
 * node/plans' target selector — the code every device runs on the plan's `cohort.target` — so
 * the controller counts exactly the devices that act on its plans. This module adds the
 * coordinator's limits (the target rides in every plan) and the spec's error wording.
 *
 * It imports node/plans' pure modules directly rather than its index, which loads the mesh,
 * the agent and the runtime: the simulator runs the controller without any of them.
 */
import { PlanInvalidError } from '../../plans/errors.js'
import { matchesTarget as selectorMatches, parseTarget as parseSelector } from '../../plans/target-selector.js'
import { TARGET_IDS_MAX, TARGET_LENGTH_MAX } from './constants.js'
import { specError } from './spec-issues.js'
import type { DeviceIdentity, TargetSelector } from '../../plans/target-selector.js'

export type { TargetSelector }

/**
 * A device of the registry as the controller sees it: the narrowest view (STYLE rule 2).
 * `offline` is true when the registry has not heard from it for its offline period; left out, the
 * device counts as reachable (the simulator's devices, tests).
 */
export type RolloutDevice = DeviceIdentity & { offline?: boolean }

/** Parses a target, or returns what is wrong with it (for the spec schema's message). */
export function tryParseTarget (target: string): TargetSelector | string {
  if (target.length > TARGET_LENGTH_MAX) return `is ${target.length} characters, over ${TARGET_LENGTH_MAX}; target a group or labels instead of listing ids`
  let selector: TargetSelector
  try {
    selector = parseSelector(target)
  } catch (err) {
    if (err instanceof PlanInvalidError) return err.message
    throw err
  }
  if (selector.kind === 'ids' && selector.ids.length > TARGET_IDS_MAX) {
    return `lists ${selector.ids.length} device ids, over ${TARGET_IDS_MAX}; put the devices in a group and target 'group:NAME'`
  }
  return selector
}

/** Parses a target; throws `DeploymentSpecError` naming the field `target` and what is wrong. */
export function parseTarget (target: string): TargetSelector {
  const parsed = tryParseTarget(target)
  if (typeof parsed === 'string') throw specError([{ path: 'target', message: parsed }])
  return parsed
}

/**
 * True when the device is targeted: `all`, `group:A[,B]` (any), labels `k=v,k2!=v2` (all),
 * `ids:a,b`. Pass a parsed selector when matching many devices: parsing once keeps a
 * 10,000-device decision O(devices).
 */
export function matchesTarget (target: string | TargetSelector, device: RolloutDevice): boolean {
  return selectorMatches(typeof target === 'string' ? parseTarget(target) : target, device)
}
