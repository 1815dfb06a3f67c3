import { Tier } from './generated/presence.js'

/**
 * protons turns proto enums into TypeScript string enums (`Tier.FULL_OS === 'FULL_OS'`), while
 * the data model (DESIGN.md) numbers tiers 1–4. Index = the wire number of each value.
 */
const TIERS_BY_NUMBER: readonly Tier[] = [Tier.TIER_UNSPECIFIED, Tier.FULL_OS, Tier.EMBEDDED_LINUX, Tier.MCU, Tier.SENSOR]

/** The data-model number of a tier (0 for TIER_UNSPECIFIED). */
export function tierToNumber (tier: Tier): number {
  return TIERS_BY_NUMBER.indexOf(tier)
}

/** The tier with a data-model number, or undefined when there is none. */
export function tierFromNumber (tier: number): Tier | undefined {
  return Number.isInteger(tier) ? TIERS_BY_NUMBER[tier] : undefined
}
