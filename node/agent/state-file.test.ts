import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { StateFile } from './state-file.js'
import type { AgentState } from './agent-state.js'

describe('StateFile', () => {
  it('takes overlapping saves one after another and keeps the last', async () => {
    const file = new StateFile(join(await mkdtemp(join(tmpdir(), 'fleetd-state-')), 'agent', 'state.json'))
    const states = Array.from({ length: 20 }, (_, i) => ({ target: { apps: {} }, apps: {}, n: i }) as unknown as AgentState)
    await Promise.all(states.map(async s => { await file.save(s) }))
    expect(JSON.parse(await readFile(file.path, 'utf8'))).toMatchObject({ n: 19 })
  })
})
