import { CID } from 'multiformats/cid'
import { z } from 'zod'
import { PIN_FIELD_CHARS_MAX } from './constants.js'
import { InvalidPinError } from './errors.js'

export const PIN_REASONS = ['running', 'previous', 'plan', 'manual', 'child'] as const

/**
 * Why a DAG is kept: `running` is the installed version of an app, `previous` a version it
 * ran before (kept for a rollback without a fetch), `plan` a version a deployment plan will
 * install, `manual` an operator's choice, `child` a version a gateway's child device runs (kept
 * as the base a LoRa delta is computed against, gateway/lora/README.md).
 */
export type PinReason = typeof PIN_REASONS[number]

export interface Pin {
  app: string
  version: string
  /** Root of the artifact's DAG. */
  cid: CID
  reason: PinReason
  /** When the pin was made (for `previous`: when the version stopped running). */
  atMs: number
}

/** A pin is identified by app, version and reason: one version can be both `running` and `manual`. */
export type PinRef = Pick<Pin, 'app' | 'version' | 'reason'>

// Printable text only: the key separator (NUL) and control characters cannot sneak in.
const field = z.string().min(1).max(PIN_FIELD_CHARS_MAX).regex(/^[^\p{Cc}]+$/u)

/** The stored form of a pin; parsing it is how records are validated on read. */
export const storedPinSchema = z.object({
  app: field,
  version: field,
  cid: z.string().min(1).max(PIN_FIELD_CHARS_MAX),
  reason: z.enum(PIN_REASONS),
  atMs: z.number().int().nonnegative()
})
export type StoredPin = z.infer<typeof storedPinSchema>

export function pinKey (ref: PinRef): string {
  return `${ref.app}\u0000${ref.version}\u0000${ref.reason}`
}

/** @throws {InvalidPinError} naming the bad field */
export function validatePin (pin: Pin): void {
  const parsed = storedPinSchema.safeParse({ ...pin, cid: CID.asCID(pin.cid)?.toString() ?? '' })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new InvalidPinError(`invalid pin of ${JSON.stringify(pin.app)} ${JSON.stringify(pin.version)}: ${issue?.path.join('.') ?? 'pin'}: ${issue?.message ?? 'invalid'}`)
  }
}

export function toStored (pin: Pin): StoredPin {
  return { app: pin.app, version: pin.version, cid: pin.cid.toString(), reason: pin.reason, atMs: pin.atMs }
}

/** @returns the pin, or undefined when the record is malformed */
export function fromStored (value: unknown): Pin | undefined {
  const parsed = storedPinSchema.safeParse(value)
  if (!parsed.success) return undefined
  try {
    return { ...parsed.data, cid: CID.parse(parsed.data.cid) }
  } catch {
    return undefined
  }
}

/** Deterministic order: app, version, reason. */
export function comparePins (a: PinRef, b: PinRef): number {
  return a.app.localeCompare(b.app, 'en') || a.version.localeCompare(b.version, 'en') || a.reason.localeCompare(b.reason, 'en')
}
