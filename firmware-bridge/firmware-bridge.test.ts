/**
 * Runs the C side's own build and unit tests (`make -C firmware-bridge test`: -Wall -Wextra
 * -Werror, codecs, the protocol engine, the slot state machine and seeded power cuts, once over
 * NOR flash and once with the STM32L4's ECC program rule) from the
 * TypeScript suite, so CI counts them.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

describe('firmware-bridge C build and unit tests', () => {
  it('builds warning-free and passes make test', () => {
    const out = execFileSync('make', ['-s', '-C', join(import.meta.dirname), 'test'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    // fb-test over NOR semantics, fb-test-ecc over the STM32L4's (8-byte units, each programmed once).
    for (const name of ['fb-test', 'fb-test-ecc']) {
      const summary = new RegExp(`^${name}: (\\d+) passed, (\\d+) failed$`, 'm').exec(out)
      expect(summary, out).not.toBeNull()
      expect(Number(summary?.[2])).toBe(0)
      expect(Number(summary?.[1])).toBeGreaterThan(50)
    }
  }, 120_000)
})
