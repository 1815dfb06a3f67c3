import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { AgentStateError } from './errors.js'
import type { AgentState } from './agent-state.js'

/**
 * The agent's state as one JSON file, replaced atomically (write a temp file, fsync, rename):
 * after a `kill -9` or a power cut the file holds the state before or after a step, never a
 * torn mix. Steps are small and infrequent, so rewriting the whole file is cheap.
 */
export class StateFile {
  /** Saves run one after another: two overlapping saves shared one temp file, and the second rename failed (ENOENT). */
  private tail: Promise<unknown> = Promise.resolve()

  constructor (readonly path: string) {}

  async load (): Promise<AgentState> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { target: { apps: {} }, apps: {} }
      throw new AgentStateError(`cannot read the agent state ${this.path}: ${(err as Error).message}`, { cause: err })
    }
    try {
      const state = JSON.parse(text) as AgentState
      if (typeof state.target?.apps !== 'object' || typeof state.apps !== 'object') throw new Error('missing "target" or "apps"')
      return state
    } catch (err) {
      throw new AgentStateError(`the agent state ${this.path} is not valid (${(err as Error).message}); move it aside and restart: the agent then starts from no apps and the next plan reinstalls them`, { cause: err })
    }
  }

  async save (state: AgentState): Promise<void> {
    // Serialised now, so the file ends with the last state asked for.
    const text = JSON.stringify(state, null, 2)
    const run = this.tail.then(async () => { await this.write(text) }, async () => { await this.write(text) })
    this.tail = run.catch(() => {})
    await run
  }

  private async write (text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 })
    const temp = `${this.path}.tmp`
    const file = await open(temp, 'w', 0o600)
    try {
      await file.writeFile(text)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temp, this.path)
  }
}
