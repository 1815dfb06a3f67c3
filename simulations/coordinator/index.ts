/**
 * The simulated coordinator (issue [5/9]): the real rollout controller and plan builder on a
 * mesh node, fed by reports that arrive through the simulated network.
 *
 * @example
 * ```ts
 * import { decide } from '../../node/coordinator/rollout/index.js'
 * import type { Controller } from './index.js'
 * const controller: Controller = decide // what SimCoordinator runs unless told otherwise
 * console.log(typeof controller)
 * ```
 */
export { SimCoordinator } from './sim-coordinator.js'
export type { AuditRecord, Controller, CoordinatorInit } from './sim-coordinator.js'
