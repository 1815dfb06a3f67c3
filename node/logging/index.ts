/**
 * Human-readable, per-node-prefixed logging for FleetD components (STYLE rule 10).
 *
 * libp2p keeps its own `debug`-style logger (enable with `DEBUG=libp2p:*`); this one carries
 * the operator-facing lines: joins, refusals, errors. Ten thousand simulated nodes share one
 * sink, so every line names its node.
 *
 * @example
 * ```ts
 * import { consoleLogger } from './logging/index.js'
 * const log = consoleLogger({ prefix: '12D3…abcd' }).forComponent('fleet:mesh')
 * log.info('listening on %s', '/ip4/127.0.0.1/tcp/4710')
 * ```
 */
import { format } from 'node:util'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export interface Logger {
  debug(message: string, ...args: unknown[]): void
  info(message: string, ...args: unknown[]): void
  warn(message: string, ...args: unknown[]): void
  error(message: string, ...args: unknown[]): void
}

export interface ComponentLogger {
  forComponent(name: string): Logger
}

export interface ConsoleLoggerInit {
  /** Shown on every line, usually a short peer id. @default '' */
  prefix?: string
  /** Lowest level printed. @default 'info' */
  level?: LogLevel
  /** `text` for people, `json` for log shippers. @default 'text' */
  format?: 'text' | 'json'
  /** Where lines go. @default process.stderr */
  write?: (line: string) => void
  /** Wall clock for timestamps; injected so simulated nodes log virtual time. @default Date.now */
  nowMs?: () => number
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export function consoleLogger (init: ConsoleLoggerInit = {}): ComponentLogger & { setPrefix(prefix: string): void } {
  let prefix = init.prefix ?? ''
  const minRank = LEVEL_RANK[init.level ?? 'info']
  const write = init.write ?? ((line: string) => { process.stderr.write(line + '\n') })
  const nowMs = init.nowMs ?? (() => Date.now())
  const json = init.format === 'json'

  const emit = (component: string, level: LogLevel, message: string, args: unknown[]): void => {
    if (LEVEL_RANK[level] < minRank) return
    const time = new Date(nowMs()).toISOString()
    const text = format(message, ...args)
    write(json
      ? JSON.stringify({ time, level, component, node: prefix, msg: text })
      : `${time} ${level.toUpperCase().padEnd(5)} ${component}${prefix === '' ? '' : ` [${prefix}]`} ${text}`)
  }

  return {
    setPrefix (value: string) { prefix = value },
    forComponent (name: string): Logger {
      return {
        debug: (m, ...a) => { emit(name, 'debug', m, a) },
        info: (m, ...a) => { emit(name, 'info', m, a) },
        warn: (m, ...a) => { emit(name, 'warn', m, a) },
        error: (m, ...a) => { emit(name, 'error', m, a) }
      }
    }
  }
}

/** A logger that drops everything: for unit tests that assert on behaviour, not output. */
export const silentLogger: ComponentLogger = {
  forComponent: () => ({ debug () {}, info () {}, warn () {}, error () {} })
}
