/**
 * Runs the C side's own build and unit tests (`make -C firmware-bridge test`: -Wall -Wextra
 * -Werror, codecs, the protocol engine, the slot state machine and seeded power cuts) from the
 * TypeScript suite, so CI counts them.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

describe('firmware-bridge C build and unit tests', () => {
  it('builds warning-free and passes make test', () => {
    const out = execFileSync('make', ['-s', '-C', join(import.meta.dirname), 'test'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    const summary = /fb-test: (\d+) passed, (\d+) failed/.exec(out)
    expect(summary, out).not.toBeNull()
    expect(Number(summary?.[2])).toBe(0)
    expect(Number(summary?.[1])).toBeGreaterThan(50)
  }, 120_000)
})
