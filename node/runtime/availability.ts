/**
 * Honest detection of what this device offers (issue 4: "where a runtime is not available the
 * agent says so clearly"). Detection looks at the device itself: a PATH lookup for tools, a
 * socket or directory for daemons; nothing is installed or started to find out.
 */
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { delimiter, isAbsolute, join } from 'node:path'

/** The answer of a `detectX()`: available, or why not in words an operator can act on. */
export type Availability<Details = Record<never, never>> =
  | ({ available: true } & Details)
  | { available: false, reason: string }

/**
 * The absolute path of the executable `name` on `pathEnv` (a PATH-style list), or undefined.
 * Tests inject a PATH without the tool to exercise the "device lacks it" path; a relative
 * PATH entry is skipped, as running whatever sits in the agent's working directory is unsafe.
 */
export async function findExecutable (name: string, pathEnv: string | undefined = process.env.PATH): Promise<string | undefined> {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue
    const candidate = join(dir, name)
    try {
      await access(candidate, constants.X_OK)
      if ((await stat(candidate)).isFile()) return candidate
    } catch {
      // Not here (or not executable): try the next PATH entry.
    }
  }
  return undefined
}
