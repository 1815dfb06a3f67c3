/**
 * The STM32 port (ports/stm32, an STM32L476RG) cross-compiled with the portable bridge sources by
 * `make -C firmware-bridge stm32-check`: arm-none-eabi-gcc, -mcpu=cortex-m4 -mthumb, -Wall -Wextra
 * -Werror, against the marked subset of ST's HAL declarations. Compiled, not run: no STM32 is
 * attached to this machine and the HAL itself is not vendored (the host build is what runs).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const DIR = import.meta.dirname
const hasArmGcc = spawnSync('arm-none-eabi-gcc', ['--version'], { stdio: 'ignore' }).status === 0
const build = mkdtempSync(join(tmpdir(), 'fb-stm32-'))
afterAll(() => { rmSync(build, { recursive: true, force: true }) })

describe.skipIf(!hasArmGcc)(`STM32 port cross-compile${hasArmGcc ? '' : ' (skipped: arm-none-eabi-gcc is not installed; apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)'}`, () => {
  it('compiles the bridge and the port for a Cortex-M4 warning-free', () => {
    // A fresh build directory: every object is compiled by this run, nothing is taken from an earlier one.
    const out = execFileSync('make', ['-s', '-C', DIR, `BUILD=${build}`, 'stm32-check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    for (const obj of ['slots.o', 'bridge.o', 'flash_stm32.o', 'bridge_stm32.o', 'boot_stm32.o']) {
      const row = out.split('\n').find(l => l.endsWith(`/stm32/${obj}`))
      expect(row, out).toBeDefined()
      expect(Number(row?.trim().split(/\s+/)[0]), row).toBeGreaterThan(0) // .text bytes
    }
    // ARM Thumb objects, not host ones.
    const header = execFileSync('arm-none-eabi-readelf', ['-h', join(build, 'stm32', 'flash_stm32.o')], { encoding: 'utf8' })
    expect(header).toMatch(/Machine:\s+ARM/)
    console.log(`STM32 port object sizes (arm-none-eabi-size, -Os):\n${out.trim()}`)
  }, 120_000)

  it('refuses to build the flash port with a program unit other than the L4 double word', () => {
    const r = spawnSync('arm-none-eabi-gcc', ['-std=c11', '-mcpu=cortex-m4', '-mthumb', '-DFB_STM32_DECLS_ONLY', '-DFB_PROGRAM_ALIGN=1u', `-I${join(DIR, 'ports/stm32')}`,
      '-c', '-o', join(build, 'bad.o'), join(DIR, 'ports/stm32/flash_stm32.c')], { encoding: 'utf8' })
    expect(r.status).not.toBe(0)
    expect(r.stderr).toMatch(/build the STM32 port with -DFB_PROGRAM_ALIGN=8u/)
  }, 60_000)
})
