/**
 * The file descriptor a child writes its stdout/stderr to. A file, not a pipe: when the agent
 * dies (even by `kill -9`) the app keeps writing and gets no SIGPIPE, and nothing is lost
 * while the agent restarts. O_APPEND makes every write land at the current end, so the
 * rotator may truncate the file under a running writer without leaving a hole.
 */
import { constants, open } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { promisify } from 'node:util'
import { LOG_DIR_MODE, LOG_FILE_MODE } from './constants.js'
import { LogFileError } from './errors.js'

const openFd = promisify(open)

/**
 * Opens (creating it and its dir when missing) `path` for appending and returns the fd, to pass
 * as a child's stdio (`spawn(cmd, args, { stdio: ['ignore', fd, fd] })`). Close it in the agent
 * after the spawn: the child holds its own copy.
 */
export async function openLogFile (path: string): Promise<number> {
  try {
    await mkdir(dirname(path), { recursive: true, mode: LOG_DIR_MODE })
    return await openFd(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, LOG_FILE_MODE)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    throw new LogFileError(`cannot open log file ${path} (${code}); check that its dir is writable by the agent and the disk is not full`, path, { cause: err })
  }
}
