import { describe, expect, it } from 'vitest'
import { ByteGate } from './verified-reader.js'

const MiB = 1024 * 1024
const settle = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

describe('ByteGate (export backpressure)', () => {
  it('admits at most readsMax reads at once, first come first served', async () => {
    const gate = new ByteGate(16 * MiB, 2)
    const admitted: number[] = []
    for (let i = 0; i < 5; i++) void gate.admit().then(() => admitted.push(i))
    await settle()
    expect(admitted).toEqual([0, 1])
    gate.readDone(MiB)
    await settle()
    expect(admitted).toEqual([0, 1, 2])
    gate.readDone(MiB)
    gate.readDone(MiB)
    await settle()
    expect(admitted).toEqual([0, 1, 2, 3, 4])
  })

  it('stops admitting while limitBytes are read but unwritten, and reopens on write', async () => {
    const gate = new ByteGate(4 * MiB, 8)
    await gate.admit()
    gate.readDone(4 * MiB)
    let admitted = false
    void gate.admit().then(() => { admitted = true })
    await settle()
    expect(admitted).toBe(false)
    gate.written(MiB)
    await settle()
    expect(admitted).toBe(true)
  })

  it('drops a waiter whose signal aborts, without losing a slot', async () => {
    const gate = new ByteGate(16 * MiB, 1)
    await gate.admit()
    const controller = new AbortController()
    const aborted = gate.admit({ signal: controller.signal })
    let next = false
    void gate.admit().then(() => { next = true })
    controller.abort()
    await expect(aborted).rejects.toThrow(/abort/i)
    gate.readDone(0)
    await settle()
    expect(next).toBe(true)
  })
})
