/** A one-line progress display on stderr when it is a terminal; silent otherwise (scripts, CI). */
export function progressLine (label: string): { update(text: string): void, done(): void } {
  const tty = process.stderr.isTTY
  let last = ''
  return {
    update (text) {
      if (!tty) return
      last = `${label} ${text}`
      process.stderr.write(`\r${last}\x1b[K`)
    },
    done () {
      if (tty && last !== '') process.stderr.write('\n')
    }
  }
}

export function formatBytes (n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(2)} GiB`
}
