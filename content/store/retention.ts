import { comparePins } from './pin.js'
import type { Pin } from './pin.js'

/**
 * The pins whose DAGs are kept (pure; STYLE rule 4): per app, every `running`, `plan` and
 * `manual` pin, and the `previous` pins of the `retainPerApp` most recent versions other than
 * the running one (by `atMs`, ties by version). Everything else may be collected.
 */
export function retainedPins (pins: readonly Pin[], retainPerApp: number): Pin[] {
  const byApp = new Map<string, Pin[]>()
  for (const pin of pins) byApp.set(pin.app, [...byApp.get(pin.app) ?? [], pin])
  const kept: Pin[] = []
  for (const appPins of byApp.values()) {
    const running = new Set(appPins.filter(p => p.reason === 'running').map(p => p.version))
    kept.push(...appPins.filter(p => p.reason !== 'previous'))
    const previous = appPins
      .filter(p => p.reason === 'previous' && !running.has(p.version))
      .sort((a, b) => b.atMs - a.atMs || a.version.localeCompare(b.version, 'en'))
    const versions = new Set<string>()
    for (const pin of previous) {
      if (versions.size >= retainPerApp) break
      versions.add(pin.version)
    }
    kept.push(...previous.filter(p => versions.has(p.version)))
  }
  return kept.sort(comparePins)
}
