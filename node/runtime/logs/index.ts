/**
 * App logs: each app's stdout and stderr go straight into a file the child writes itself
 * (`openLogFile`), so logging survives the agent dying; `LogRotator` keeps the file within a
 * size by copy-then-truncate; `tailLog` and `followLog` serve "show me the logs" requests.
 *
 * @example
 * ```ts
 * import { spawn } from 'node:child_process'
 * import { closeSync } from 'node:fs'
 * import { systemClock } from '../../ports/index.js'
 * import { followLog, logRotator, openLogFile, pauseProcessGroup, tailLog } from './index.js'
 *
 * const path = '/var/lib/fleetd/logs/web.log'
 * const fd = await openLogFile(path)
 * const app = spawn('/var/lib/fleetd/apps/web/1.4.2/web', [], { stdio: ['ignore', fd, fd], detached: true })
 * app.unref()
 * closeSync(fd) // the child has its own copy
 * const pause = app.pid === undefined ? undefined : pauseProcessGroup(app.pid)
 * const rotator = logRotator({ path, bytesMax: 10 * 1024 * 1024, filesKept: 3, clock: systemClock(), pause })
 * rotator.start(5_000)
 * console.log(await tailLog(path, 50, { includeRotated: true }))
 * for await (const line of followLog(path, { signal: AbortSignal.timeout(10_000) })) console.log(line)
 * await rotator.stop()
 * ```
 */
import { LogRotator } from './rotator.js'
import type { Clock } from '../../ports/index.js'

export interface LogRotatorInit {
  /** The live log file. */
  path: string
  /** Rotate when the live file reaches this many bytes. */
  bytesMax: number
  /** Rotated copies kept (`path.1` … `path.N`); 0 truncates without keeping a copy. At most ROTATED_FILES_MAX. */
  filesKept: number
  /** Paces start()'s checks; the simulator's clock in simulations. */
  clock: Clock
  /**
   * Pauses the writers for the instant of the final copy and truncate, resolving to a resume
   * function; without it a line written in that instant can be lost (see rotator.ts).
   * `pauseProcessGroup(pid)` does it for an app started detached. @default no pause
   */
  pause?: () => Promise<() => void>
}

export interface TailOptions {
  /** Continue into `path.1`, `path.2`… when the live file has fewer lines. @default false */
  includeRotated?: boolean
}

export interface FollowOptions {
  /** Required: following never ends by itself; aborting ends the iteration (without an error). */
  signal: AbortSignal
  /** Start at the current end (only new lines) rather than at the start of the live file. @default true */
  fromEnd?: boolean
  /** Paces polling. @default systemClock() */
  clock?: Clock
}

export function logRotator (init: LogRotatorInit): LogRotator {
  return new LogRotator(init)
}

export { LogRotator } from './rotator.js'
export { openLogFile } from './open.js'
export { pauseProcessGroup } from './pause.js'
export { tailLog } from './tail.js'
export { followLog } from './follow.js'
export { CUT_MARK } from './lines.js'
export { LINE_BYTES_MAX, LOG_FILE_MODE, ROTATED_FILES_MAX, TAIL_BYTES_MAX, TAIL_LINES_MAX } from './constants.js'
export { LogFileError, LogRequestError } from './errors.js'
