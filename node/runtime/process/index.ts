/**
 * Process supervision for apps of the `process` runtime: detached process groups whose output
 * goes straight to log files, restart policies (always · on-failure · never) with capped
 * exponential backoff, crash-loop detection, and adoption of processes an earlier agent started.
 *
 * @example
 * ```ts
 * import { SupervisedProcess } from './process/index.js'
 * import { systemClock } from '../../ports/index.js'
 * import { silentLogger } from '../../logging/index.js'
 * const app = new SupervisedProcess({ clock: systemClock(), logger: silentLogger.forComponent('app') }, {
 *   name: 'web@1.0.0', command: ['/usr/bin/env', 'true'], cwd: '/tmp', env: {}, logPath: '/tmp/web.log', restartPolicy: 'on-failure'
 * })
 * const handle = await app.start()
 * console.log(handle.pid, app.status().state)
 * await app.stop()
 * ```
 */
export { SupervisedProcess } from './supervised-process.js'
export type { ProcessHandle, ProcessSpec, ProcessState, ProcessStatus, SupervisorComponents } from './supervised-process.js'
export { decideRestart } from './restart-policy.js'
export type { ExitRecord, RestartDecision, RestartPolicy } from './restart-policy.js'
export { processStartTicks } from './proc-stat.js'
