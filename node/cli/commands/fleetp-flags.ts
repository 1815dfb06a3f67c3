/**
 * fleetp keeps the seed's single-dash long flags (`-device /dev/sdb -wifi-ssid S`) working
 * beside the `--device` form every other FleetD command uses: `-word` with two or more
 * letters becomes `--word` before strict parsing. One-letter flags (`-h`) are left alone.
 */
export function normaliseLongFlags (argv: readonly string[]): string[] {
  let afterDoubleDash = false
  return argv.map(arg => {
    if (afterDoubleDash) return arg
    if (arg === '--') { afterDoubleDash = true; return arg }
    return /^-[a-zA-Z][a-zA-Z0-9-]+(=.*)?$/s.test(arg) ? `-${arg}` : arg
  })
}
