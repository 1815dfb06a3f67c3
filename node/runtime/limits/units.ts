/**
 * Limit quantities in the seed's (Kubernetes') units: `memory: 2Gi`, `cpu: 1500m`.
 * Binary suffixes (Ki, Mi, Gi, Ti, Pi, Ei) are powers of 1024, decimal ones (k or K, M, G, T,
 * P, E) powers of 1000; a fraction rounds up, as Kubernetes does, so a limit never shrinks.
 */
import { CPU_MILLIS_MAX } from './constants.js'
import { LimitValueError } from './errors.js'

const MEMORY_FORMS = "bytes (1000000) or a number with a binary suffix Ki, Mi, Gi, Ti or a decimal suffix k, M, G, T (e.g. '512Mi', '1.5Gi', '64M')"
const CPU_FORMS = "CPUs (1, '1.5') or millicpus with an m suffix ('250m', '1500m')"

const MEMORY_MULTIPLIERS: Record<string, number> = {
  '': 1,
  k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60
}

// A plain decimal with an optional suffix; no sign, no exponent, no spaces inside.
const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)([A-Za-z]*)$/

/** Bytes from `'2Gi'`, `'512Mi'`, `'1G'`, `'64M'`, `'1.5Gi'`, `'1000000'` or `1000000`. */
export function parseMemory (value: string | number): number {
  const bytes = typeof value === 'number'
    ? ceilExact(checkNumber(value, 'memory', MEMORY_FORMS))
    : scaled(value, 'memory', MEMORY_FORMS, suffix => MEMORY_MULTIPLIERS[suffix])
  if (!Number.isSafeInteger(bytes)) {
    throw new LimitValueError(`memory limit ${describe(value)} is too large: at most ${Number.MAX_SAFE_INTEGER} bytes`, value)
  }
  return bytes
}

/** Millicpus from `'1500m'`, `'1.5'`, `2` or `'250m'` (1000 millicpus = one CPU). */
export function parseCpu (value: string | number): number {
  const millis = typeof value === 'number'
    ? ceilExact(checkNumber(value, 'cpu', CPU_FORMS) * 1000)
    : scaled(value, 'cpu', CPU_FORMS, suffix => suffix === 'm' ? 1 : suffix === '' ? 1000 : undefined)
  if (millis > CPU_MILLIS_MAX) {
    throw new LimitValueError(`cpu limit ${describe(value)} is too large: at most ${CPU_MILLIS_MAX / 1000} CPUs; use the m suffix for millicpus ('1500m')`, value)
  }
  return millis
}

/** A human form of bytes for notes and logs: `64Mi`, `1.5Gi`, `1000000`. */
export function formatMemory (bytes: number): string {
  for (const suffix of ['Ti', 'Gi', 'Mi', 'Ki']) {
    const unit = MEMORY_MULTIPLIERS[suffix] ?? 1
    if (bytes >= unit && (bytes * 10) % unit === 0) return `${bytes / unit}${suffix}`
  }
  return String(bytes)
}

function scaled (text: string, what: string, forms: string, multiplier: (suffix: string) => number | undefined): number {
  const match = QUANTITY.exec(text.trim())
  const factor = match == null ? undefined : multiplier(match[2] ?? '')
  if (match == null || factor === undefined) {
    throw new LimitValueError(`${what} limit ${describe(text)} is not a quantity: use ${forms}`, text)
  }
  return ceilExact(Number(match[1]) * factor)
}

/**
 * Rounds up, ignoring binary floating-point noise: 1.1 × 1000 is 1100.0000000000002 in
 * doubles and must give 1100, not 1101. Fifteen significant digits are exact for doubles.
 */
function ceilExact (x: number): number {
  return Math.ceil(Number(x.toPrecision(15)))
}

function checkNumber (value: number, what: string, forms: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new LimitValueError(`${what} limit ${describe(value)} is not a quantity: use ${forms}`, value)
  }
  return value
}

function describe (value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value)
}
