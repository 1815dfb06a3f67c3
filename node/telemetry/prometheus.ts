/**
 * The Prometheus text exposition format (version 0.0.4): families with HELP and TYPE, label
 * values escaped, names checked, so `promtool check metrics` accepts what is rendered.
 */
import { ok as assert } from 'node:assert'

export interface PromSample { labels?: Record<string, string>, value: number }
export interface PromFamily { name: string, help: string, type: 'gauge' | 'counter', samples: PromSample[] }

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export function renderPrometheus (families: PromFamily[]): string {
  const lines: string[] = []
  for (const f of families) {
    assert(NAME.test(f.name), `bad metric name ${f.name}`)
    // promtool wants counters to end in _total.
    assert(f.type !== 'counter' || f.name.endsWith('_total'), `counter ${f.name} must end in _total`)
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} ${f.type}`)
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {})
      for (const [k] of labels) assert(LABEL.test(k), `bad label name ${k}`)
      const text = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
      lines.push(`${f.name}${text} ${formatValue(s.value)}`)
    }
  }
  return lines.join('\n') + '\n'
}

function escapeLabel (v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function formatValue (v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}
