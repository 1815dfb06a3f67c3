/** Resolves on the first SIGINT or SIGTERM: long-running commands then shut down cleanly. */
export async function waitForStopSignal (): Promise<void> {
  await new Promise<void>(resolve => {
    const done = (): void => {
      process.off('SIGINT', done)
      process.off('SIGTERM', done)
      resolve()
    }
    process.on('SIGINT', done)
    process.on('SIGTERM', done)
  })
}
