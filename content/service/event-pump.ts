/**
 * Turns work that reports through a callback into an async generator of its events, so the
 * local API can stream them as NDJSON while the work runs. The work's failure is thrown after
 * the events it emitted; its result is the generator's return value.
 */
export async function * pumpEvents<E, R> (run: (emit: (event: E) => void) => Promise<R>): AsyncGenerator<E, R> {
  const events: E[] = []
  let wake: (() => void) | undefined
  let settled = false
  let result: { value: R } | undefined
  let failure: { error: unknown } | undefined
  const running = run(event => { events.push(event); wake?.() })
    .then(value => { result = { value } }, (error: unknown) => { failure = { error } })
    .finally(() => { settled = true; wake?.() })
  while (!settled) {
    await new Promise<void>(resolve => {
      if (settled || events.length > 0) resolve()
      else wake = resolve
    })
    wake = undefined
    yield * events.splice(0)
  }
  await running
  yield * events.splice(0)
  if (failure != null) throw failure.error
  if (result == null) throw new Error('pumpEvents: work settled without a result')
  return result.value
}
