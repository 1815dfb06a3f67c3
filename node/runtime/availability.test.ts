import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findExecutable } from './availability.js'

describe('findExecutable', () => {
  it('finds a tool on this machine\'s PATH exactly when it is there (dpkg here, on Debian)', async () => {
    const found = await findExecutable('dpkg')
    expect(found === undefined).toBe(!['/usr/bin/dpkg', '/bin/dpkg', '/usr/local/bin/dpkg'].some(p => existsSync(p)))
    expect(await findExecutable('dpkg', '')).toBeUndefined()
  })

  it('skips relative PATH entries, non-executable files and directories', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-which-'))
    try {
      await writeFile(join(dir, 'plain'), '')
      await writeFile(join(dir, 'tool'), '#!/bin/sh\n')
      await chmod(join(dir, 'tool'), 0o755)
      expect(await findExecutable('tool', `relative:${dir}`)).toBe(join(dir, 'tool'))
      expect(await findExecutable('plain', dir)).toBeUndefined()
      expect(await findExecutable('tool', 'relative')).toBeUndefined()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
