import { describe, expect, it } from 'vitest'
import { StoreLock } from './store-lock.js'

/** Lets every settled promise run its callbacks. */
const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve() }

describe('StoreLock', () => {
  it('lets shared holders overlap and keeps exclusive alone', async () => {
    const lock = new StoreLock()
    const a = await lock.acquire('shared')
    const b = await lock.acquire('shared')
    expect(lock.state()).toEqual({ shared: 2, exclusive: false, waiting: 0 })
    let gcGot = false
    const gc = lock.acquire('exclusive').then(release => { gcGot = true; return release })
    await settle()
    expect(gcGot).toBe(false)
    a()
    await settle()
    expect(gcGot).toBe(false)
    b()
    const releaseGc = await gc
    expect(lock.state()).toEqual({ shared: 0, exclusive: true, waiting: 0 })
    releaseGc()
    expect(lock.state()).toEqual({ shared: 0, exclusive: false, waiting: 0 })
  })

  it('queues shared requests behind a waiting exclusive one, first come first served', async () => {
    const lock = new StoreLock()
    const order: string[] = []
    const first = await lock.acquire('shared')
    const gc = lock.with('exclusive', async () => { await settle(); order.push('gc') })
    const late = lock.with('shared', async () => { await settle(); order.push('fetch') })
    await settle()
    expect(order).toEqual([])
    expect(lock.state().waiting).toBe(2)
    first()
    await Promise.all([gc, late])
    expect(order).toEqual(['gc', 'fetch'])
  })

  it('lets an urgent shared request pass a waiting exclusive one, but not a running one', async () => {
    const lock = new StoreLock()
    const fetch = await lock.acquire('shared')
    let finishGc = (): void => {}
    const gcGate = new Promise<void>(resolve => { finishGc = resolve })
    let gcRunning = false
    const gc = lock.with('exclusive', async () => { gcRunning = true; await gcGate; gcRunning = false })
    await settle()
    // GC waits for the fetch; a pin update waits for neither.
    const pin = await lock.acquire('shared', { urgent: true })
    expect(lock.state()).toEqual({ shared: 2, exclusive: false, waiting: 1 })
    pin()
    fetch()
    await settle()
    expect(gcRunning).toBe(true)
    // Once GC runs, an urgent request waits for it.
    let pinGot = false
    const late = lock.acquire('shared', { urgent: true }).then(release => { pinGot = true; expect(gcRunning).toBe(false); release() })
    await settle()
    expect(pinGot).toBe(false)
    finishGc()
    await Promise.all([gc, late])
    expect(pinGot).toBe(true)
    await expect(lock.acquire('exclusive', { urgent: true })).rejects.toThrow(TypeError)
  })

  it('releases on failure, ignores a second release, and leaves the queue on abort', async () => {
    const lock = new StoreLock()
    await expect(lock.with('exclusive', async () => { await settle(); throw new Error('boom') })).rejects.toThrow('boom')
    const held = await lock.acquire('shared')
    held()
    held()
    expect(lock.state()).toEqual({ shared: 0, exclusive: false, waiting: 0 })

    const gc = await lock.acquire('exclusive')
    const controller = new AbortController()
    const waiting = lock.acquire('shared', { signal: controller.signal })
    await settle()
    controller.abort(new Error('client went away'))
    await expect(waiting).rejects.toThrow('client went away')
    expect(lock.state()).toEqual({ shared: 0, exclusive: true, waiting: 0 })
    gc()
    expect(lock.state().exclusive).toBe(false)
  })
})
