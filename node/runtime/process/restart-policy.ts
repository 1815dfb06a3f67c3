import {
  CRASH_LOOP_EXITS, CRASH_LOOP_WINDOW_MS, RESTART_BACKOFF_MS_BASE, RESTART_BACKOFF_MS_MAX, RUN_RESET_BACKOFF_MS
} from './constants.js'

export type RestartPolicy = 'always' | 'on-failure' | 'never'

export interface ExitRecord {
  atMs: number
  /** How long the run lasted. */
  ranMs: number
  /** Null when unknown (an adopted process) or killed by a signal. */
  code: number | null
  signal: string | null
}

export interface RestartDecision {
  restart: boolean
  delayMs: number
  /** Exits in the crash-loop window when they reach CRASH_LOOP_EXITS, else 0. */
  crashLoopCount: number
}

/**
 * What to do after an exit (pure). `always` restarts on any exit, `on-failure` only on a
 * non-zero code or a signal, `never` not at all. The delay doubles with each consecutive short
 * run (capped); a run past RUN_RESET_BACKOFF_MS starts over.
 */
export function decideRestart (policy: RestartPolicy, exits: readonly ExitRecord[], nowMs: number, backoffMsBase = RESTART_BACKOFF_MS_BASE): RestartDecision {
  const last = exits.at(-1)
  if (last == null) return { restart: false, delayMs: 0, crashLoopCount: 0 }
  const failed = last.code !== 0
  const restart = policy === 'always' || (policy === 'on-failure' && failed)
  let shortRuns = 0
  for (let i = exits.length - 1; i >= 0 && (exits[i]?.ranMs ?? 0) < RUN_RESET_BACKOFF_MS; i--) shortRuns++
  const delayMs = Math.min(RESTART_BACKOFF_MS_MAX, backoffMsBase * 2 ** Math.max(0, shortRuns - 1))
  const recent = exits.filter(e => nowMs - e.atMs <= CRASH_LOOP_WINDOW_MS && e.ranMs < RUN_RESET_BACKOFF_MS).length
  return { restart, delayMs: restart ? delayMs : 0, crashLoopCount: recent >= CRASH_LOOP_EXITS ? recent : 0 }
}
