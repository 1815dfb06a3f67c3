/**
 * Run reports (issue [5/9]): the JSON report, the console summary and the HTML page with plots.
 *
 * @example
 * ```ts
 * import { runScenario, scenarios } from '../scenarios/index.js'
 * import { buildReport, formatSummary } from './index.js'
 * const result = await runScenario(scenarios['canary-good'](1, 50))
 * console.log(formatSummary(buildReport(result, process.resourceUsage().maxRSS * 1024)))
 * ```
 */
export { buildReport } from './build-report.js'
export type { PhaseMark, SimReport } from './build-report.js'
export { formatSummary } from './summary.js'
export { renderHtml } from './html.js'
