/**
 * What each child did with each deployment (the seq it acted on, the version, the outcome), so a
 * plan is acted on once per child, a later phase of the same deployment does not flash again,
 * and a restart of the gateway does not repeat an OTA. A JSON file in the storage dir, written
 * whole through a temp file and a rename (a power cut leaves the old or the new file).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { RECORDS_PER_CHILD_MAX } from './constants.js'

export interface ChildRecord {
  seq: number
  outcome: 'applied' | 'skipped' | 'failed'
  version?: string
  atMs: number
}

type Records = Record<string, Record<string, ChildRecord>>

export class ChildRecords {
  private writing: Promise<unknown> = Promise.resolve()

  private constructor (private readonly path: string, private readonly records: Records) {}

  static async open (storageDir: string): Promise<ChildRecords> {
    const path = join(storageDir, 'gateway', 'children.json')
    let records: Records = {}
    try {
      records = JSON.parse(await readFile(path, 'utf8')) as Records
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`the gateway's child records ${path} cannot be read (${(err as Error).message}); move the file aside and restart (children may then be flashed again)`, { cause: err })
    }
    return new ChildRecords(path, records)
  }

  get (childId: string, deploymentId: string): ChildRecord | undefined {
    return this.records[childId]?.[deploymentId]
  }

  async set (childId: string, deploymentId: string, record: ChildRecord): Promise<void> {
    const of = this.records[childId] ?? {}
    delete of[deploymentId]
    of[deploymentId] = record
    const keys = Object.keys(of)
    for (const old of keys.slice(0, Math.max(0, keys.length - RECORDS_PER_CHILD_MAX))) delete of[old]
    this.records[childId] = of
    const text = JSON.stringify(this.records)
    const next = this.writing.then(async () => {
      await mkdir(dirname(this.path), { recursive: true })
      await writeFile(`${this.path}.tmp`, text)
      await rename(`${this.path}.tmp`, this.path)
    })
    this.writing = next.catch(() => {})
    await next
  }

  async flushed (): Promise<void> { await this.writing }
}
