/**
 * Builds firmware-bridge/lora with make (-Wall -Wextra -Werror) and runs its host test binary,
 * so the C checks count in the CI summary: each "ok"/"FAIL" line becomes a vitest case.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const DIR = 'firmware-bridge/lora'
let output = ''

beforeAll(async () => {
  await run('make', ['-s', '-C', DIR, 'all'], { timeout: 120_000 })
  // Exit status 1 means a check failed: keep its output so the cases below name which.
  output = await run(`./${DIR}/build/lora_host_tests`, [], { timeout: 60_000 })
    .then(r => r.stdout, (e: { stdout?: string }) => e.stdout ?? '')
}, 180_000)

describe('firmware-bridge/lora host tests (C)', () => {
  it('ran and reported a summary', () => {
    expect(output).toMatch(/lora_host_tests: \d+ passed, 0 failed/)
  })
  const names = ['sha256(abc)', 'sha512(abc)', 'ed25519 RFC 8032 test 1 verifies', 'ed25519 rejects a non-canonical S',
    'TS004 parity matches the reference vectors', 'rebuilds 400 fragments at 15% loss with 100 parity',
    'reports missing fragments at 40% loss', 'reports NotEnoughMatrixMemory beyond FRAG_LOST_MAX unknowns', 'delta copy + add', 'delta refuses a copy past the base']
  it.each(names)('%s', (name) => {
    expect(output.split('\n')).toContain(`ok   ${name}`)
  })
})
