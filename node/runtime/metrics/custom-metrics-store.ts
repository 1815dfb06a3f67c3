/**
 * The latest value of each custom metric apps push, bounded in apps and in names per app so a
 * chatty or hostile app cannot grow the agent's memory or the DeviceMetrics message. A value
 * overwrites the previous one of its name: the device reports gauges, not time series.
 */
import { APP_NAME_PATTERN, CUSTOM_APPS_MAX, CUSTOM_NAME_LENGTH_MAX, CUSTOM_NAME_PATTERN, CUSTOM_NAMES_PER_APP_MAX } from './constants.js'
import { CustomMetricsInvalidError, CustomMetricsLimitError } from './errors.js'

export interface CustomMetric { app: string, name: string, value: number, atMs: number }

export interface CustomMetricsStore {
  /** Records one value. Throws CustomMetricsInvalidError or CustomMetricsLimitError. */
  record (app: string, name: string, value: number, atMs: number): void
  /** Records a batch all-or-nothing: one bad name or a passed limit records none. Returns the names recorded. */
  recordAll (app: string, values: ReadonlyMap<string, number>, atMs: number): number
  /** Every latest value, sorted by app, then name. */
  snapshot (): CustomMetric[]
  /** Drops an app's metrics, e.g. when the app is removed from the device. */
  forget (app: string): void
}

export interface CustomMetricsStoreInit {
  /** @default CUSTOM_APPS_MAX */
  appsMax?: number
  /** @default CUSTOM_NAMES_PER_APP_MAX */
  namesPerAppMax?: number
}

export function customMetricsStore (init: CustomMetricsStoreInit = {}): CustomMetricsStore {
  const appsMax = init.appsMax ?? CUSTOM_APPS_MAX
  const namesPerAppMax = init.namesPerAppMax ?? CUSTOM_NAMES_PER_APP_MAX
  const apps = new Map<string, Map<string, { value: number, atMs: number }>>()

  const recordAll = (app: string, values: ReadonlyMap<string, number>, atMs: number): number => {
    checkAppName(app)
    for (const [name, value] of values) checkMetric(name, value)
    const known = apps.get(app)
    if (known === undefined && apps.size >= appsMax) {
      throw new CustomMetricsLimitError(`custom metrics of app '${app}' refused: ${appsMax} apps already push metrics (CUSTOM_APPS_MAX)`)
    }
    const added = [...values.keys()].filter(name => known?.has(name) !== true).length
    if ((known?.size ?? 0) + added > namesPerAppMax) {
      throw new CustomMetricsLimitError(`custom metrics of app '${app}' refused: ${added} new names would pass the limit of ${namesPerAppMax} names per app (CUSTOM_NAMES_PER_APP_MAX); reuse names or push fewer`)
    }
    const metrics = known ?? new Map<string, { value: number, atMs: number }>()
    for (const [name, value] of values) metrics.set(name, { value, atMs })
    apps.set(app, metrics)
    return values.size
  }

  return {
    record: (app, name, value, atMs) => { recordAll(app, new Map([[name, value]]), atMs) },
    recordAll,
    snapshot () {
      const out: CustomMetric[] = []
      for (const [app, metrics] of [...apps].sort(byKey)) {
        for (const [name, { value, atMs }] of [...metrics].sort(byKey)) out.push({ app, name, value, atMs })
      }
      return out
    },
    forget (app) { apps.delete(app) }
  }
}

function byKey (a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0
}

export function checkAppName (app: string): void {
  if (!APP_NAME_PATTERN.test(app)) {
    throw new CustomMetricsInvalidError(`app name '${app.slice(0, 100)}' is invalid: use up to 100 letters, digits, '.', '_', '@' or '-', starting with a letter or digit`)
  }
}

/** `where` prefixes the message: a line number or a JSON key, so the app finds its mistake. */
export function checkMetric (name: string, value: number, where = `metric '${name.slice(0, CUSTOM_NAME_LENGTH_MAX)}'`): void {
  if (name.length > CUSTOM_NAME_LENGTH_MAX || !CUSTOM_NAME_PATTERN.test(name)) {
    throw new CustomMetricsInvalidError(`${where}: name is not a metric name: use up to ${CUSTOM_NAME_LENGTH_MAX} characters of [a-zA-Z0-9_:], not starting with a digit`)
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CustomMetricsInvalidError(`${where}: value ${String(value)} is not a finite number`)
  }
}
