import { z } from 'zod'
import { alertRuleSchema, METRIC_NAME_PATTERN, metricMatches, TelemetryQueryError } from '../../telemetry/index.js'
import { API_PREFIX } from '../server/constants.js'
import { InvalidRequestError, NotFoundError } from '../server/errors.js'
import { defineRoute, queryInt } from '../server/route.js'
import { deviceIdSchema } from '../store/index.js'
import type { FleetHealthView } from './fleet-health.js'
import type { ApiRoute } from '../server/index.js'
import type { AlertManager, TelemetryStore } from '../../telemetry/index.js'

const metricName = z.string().regex(METRIC_NAME_PATTERN, 'a metric name like cpu_percent, app:web:cpu_percent or web/error_rate')
const pointSchema = z.object({ t: z.number(), v: z.number(), min: z.number().optional(), max: z.number().optional(), count: z.number().optional() })
const alertSchema = z.object({
  id: z.string(), ruleId: z.string(), deviceId: z.string(), metric: z.string(), severity: z.enum(['info', 'warning', 'critical']),
  state: z.enum(['firing', 'resolved']), startsMs: z.number(), endsMs: z.number().optional(), value: z.number(), reason: z.string()
})
const aggregateSchema = z.object({ devices: z.number().int(), avg: z.number(), min: z.number(), max: z.number() })

/** Short names people type (`--metrics cpu,memory`) for the stored series. */
export const METRIC_ALIASES: Record<string, string> = { cpu: 'cpu_percent', memory: 'memory_used_bytes', disk: 'disk_used_bytes', load: 'load1' }

export function observabilityRoutes (c: { telemetry: TelemetryStore, alerts: AlertManager, health: FleetHealthView }): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/devices/:id/metrics`, tag: 'telemetry', role: 'viewer', errors: [404],
      summary: "A device's telemetry: without `metric`, its latest sample (every metric); with it, that metric over [from, to] as raw samples or 1-minute rollups",
      params: z.object({ id: deviceIdSchema }).strict(),
      query: z.object({
        metric: metricName.optional(),
        from: z.coerce.number().int().min(0).optional().describe('Unix ms (default: an hour before `to`)'),
        to: z.coerce.number().int().min(0).optional().describe('Unix ms (default: now)'),
        resolution: z.enum(['raw', 'rollup', 'auto']).optional().describe('default auto: raw for recent short ranges, rollups otherwise'),
        points: queryInt(1, 10_000).optional().describe('at most this many points')
      }).strict(),
      response: z.union([
        z.object({ deviceId: z.string(), atMs: z.number(), metrics: z.record(z.string(), z.number()) }),
        z.object({ deviceId: z.string(), metric: z.string(), resolution: z.enum(['raw', 'rollup']), stepMs: z.number(), points: z.array(pointSchema) })
      ]),
      handler: async ({ params, query, ctx }) => {
        if (query.metric == null) {
          const latest = c.telemetry.latest(params.id)
          if (latest == null) throw new NotFoundError(`device ${params.id} has sent no telemetry`, 'devices send telemetry every 10 s once joined with a token; check fleet-node status on the device')
          return { deviceId: latest.deviceId, atMs: latest.atMs, metrics: latest.metrics }
        }
        const toMs = query.to ?? ctx.clock.nowMs()
        try {
          return await c.telemetry.range({
            deviceId: params.id, metric: METRIC_ALIASES[query.metric] ?? query.metric, fromMs: query.from ?? toMs - 3600_000, toMs,
            ...(query.resolution != null ? { resolution: query.resolution } : {}), ...(query.points != null ? { pointsMax: query.points } : {})
          })
        } catch (err) {
          if (err instanceof TelemetryQueryError) throw new InvalidRequestError(`invalid request: ${err.message}`, [{ path: 'query', message: err.message }])
          throw err
        }
      }
    }),
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/telemetry/latest`, tag: 'telemetry', role: 'viewer',
      summary: 'The latest sample of several devices (a device list page): some metrics of each',
      query: z.object({
        ids: z.string().max(100 * 130).describe('comma-separated device ids, at most 100'),
        metrics: z.string().max(1024).optional().describe('comma-separated (default cpu_percent, memory_used_bytes, memory_total_bytes)')
      }).strict(),
      response: z.object({ samples: z.array(z.object({ deviceId: z.string(), atMs: z.number(), metrics: z.record(z.string(), z.number()) })) }),
      handler: async ({ query }) => {
        const ids = query.ids.split(',').filter(s => s !== '')
        if (ids.length > 100) throw new InvalidRequestError(`invalid request: query.ids: ${ids.length} ids, at most 100`, [{ path: 'query.ids', message: 'at most 100 ids' }])
        const names = (query.metrics ?? 'cpu_percent,memory_used_bytes,memory_total_bytes').split(',').map(n => METRIC_ALIASES[n] ?? n)
        const samples = []
        for (const id of ids) {
          const s = c.telemetry.latest(id)
          if (s == null) continue
          const metrics: Record<string, number> = {}
          for (const n of names) { const v = s.metrics[n]; if (v != null) metrics[n] = v }
          samples.push({ deviceId: id, atMs: s.atMs, metrics })
        }
        return await Promise.resolve({ samples })
      }
    }),
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/telemetry/summary`, tag: 'telemetry', role: 'viewer',
      summary: 'Latest value of some metrics across the fleet (or the devices running an app): devices, mean, min, max. A bare name also covers apps\' custom metrics of that name',
      query: z.object({
        metrics: z.string().max(1024).describe('comma-separated: cpu, memory, error_rate, app:web:cpu_percent…'),
        app: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/).optional().describe('only devices running this app')
      }).strict(),
      response: z.object({ atMs: z.number(), devices: z.number().int(), metrics: z.record(z.string(), aggregateSchema.nullable()) }),
      handler: async ({ query, ctx }) => {
        const names = query.metrics.split(',').map(s => s.trim()).filter(s => s !== '')
        for (const n of names) if (!METRIC_NAME_PATTERN.test(METRIC_ALIASES[n] ?? n)) throw new InvalidRequestError(`invalid request: query.metrics: '${n}' is not a metric name`, [{ path: 'query.metrics', message: `'${n}' is not a metric name` }])
        const acc = new Map<string, { devices: number, sum: number, min: number, max: number }>()
        let devices = 0
        for (const s of c.telemetry.latestAll()) {
          if (query.app != null && s.metrics[`app:${query.app}:up`] == null) continue
          devices++
          for (const name of names) {
            const series = METRIC_ALIASES[name] ?? name
            for (const [metric, v] of Object.entries(s.metrics)) {
              if (!metricMatches(series, metric)) continue
              const a = acc.get(name) ?? { devices: 0, sum: 0, min: Infinity, max: -Infinity }
              a.devices++; a.sum += v; a.min = Math.min(a.min, v); a.max = Math.max(a.max, v)
              acc.set(name, a)
            }
          }
        }
        const metrics: Record<string, z.infer<typeof aggregateSchema> | null> = {}
        for (const name of names) {
          const a = acc.get(name)
          metrics[name] = a == null ? null : { devices: a.devices, avg: a.sum / a.devices, min: a.min, max: a.max }
        }
        return await Promise.resolve({ atMs: ctx.clock.nowMs(), devices, metrics })
      }
    }),
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/fleet/health`, tag: 'telemetry', role: 'viewer',
      summary: 'Fleet health: devices online/offline, telemetry averages, firing alerts, deployments by state, and the followed deployments\' progress',
      response: z.object({ health: z.record(z.string(), z.unknown()), deployments: z.array(z.record(z.string(), z.unknown())) }),
      handler: async () => {
        const snap = await c.health.snapshot()
        return { health: snap.health as unknown as Record<string, unknown>, deployments: snap.deployments as unknown as Array<Record<string, unknown>> }
      }
    }),
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/fleet/deployments/:id`, tag: 'telemetry', role: 'viewer', errors: [404],
      summary: 'One deployment\'s progress as the dashboard draws it: state, current phase and the list of phases, report counts',
      params: z.object({ id: z.string().min(1).max(128) }).strict(),
      response: z.object({ deployment: z.record(z.string(), z.unknown()) }),
      handler: async ({ params }) => {
        const progress = await c.health.deployment(params.id)
        if (progress == null) throw new NotFoundError(`no deployment ${params.id}`, 'GET /api/v1/deployments lists them')
        return { deployment: progress as unknown as Record<string, unknown> }
      }
    }),
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/alerts`, tag: 'alerts', role: 'viewer', summary: 'Alerts, newest first',
      query: z.object({ state: z.enum(['firing', 'resolved']).optional(), limit: queryInt(1, 1000).optional() }).strict(),
      response: z.object({ alerts: z.array(alertSchema) }),
      handler: async ({ query }) => await Promise.resolve({ alerts: c.alerts.list({ ...(query.state != null ? { state: query.state } : {}), ...(query.limit != null ? { limit: query.limit } : {}) }) })
    }),
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/alerts/rules`, tag: 'alerts', role: 'viewer', summary: 'Alert rules',
      response: z.object({ rules: z.array(z.record(z.string(), z.unknown())) }),
      handler: async () => await Promise.resolve({ rules: c.alerts.rules() })
    }),
    defineRoute({
      method: 'POST', path: `${API_PREFIX}/alerts/rules`, tag: 'alerts', role: 'operator', status: 201,
      summary: 'Create or replace an alert rule (threshold: metric op threshold for forMs; anomaly: deviations from a rolling baseline)',
      body: z.record(z.string(), z.unknown()),
      bodyDocument: { schema: alertRuleSchema },
      response: z.record(z.string(), z.unknown()),
      handler: async ({ body, actor, ctx }) => {
        const parsed = alertRuleSchema.safeParse(body)
        if (!parsed.success) {
          const issues = parsed.error.issues.map(i => ({ path: ['body', ...i.path.map(String)].join('.'), message: i.message }))
          throw new InvalidRequestError(`invalid request: ${issues.slice(0, 3).map(i => `${i.path}: ${i.message}`).join('; ')}`, issues)
        }
        const rule = await c.alerts.setRule(parsed.data)
        await ctx.audit.append({ actor: actor?.name ?? '', action: 'alert-rule.set', detail: { id: rule.id, kind: rule.kind, metric: rule.metric } })
        return rule
      }
    }),
    defineRoute({
      method: 'DELETE', path: `${API_PREFIX}/alerts/rules/:id`, tag: 'alerts', role: 'operator', errors: [404],
      summary: 'Delete an alert rule (its firing alerts resolve)',
      params: z.object({ id: z.string().max(63) }).strict(),
      response: z.object({ deleted: z.string() }),
      handler: async ({ params, actor, ctx }) => {
        if (!await c.alerts.deleteRule(params.id)) throw new NotFoundError(`no alert rule ${params.id}`, 'GET /api/v1/alerts/rules lists them')
        await ctx.audit.append({ actor: actor?.name ?? '', action: 'alert-rule.delete', detail: { id: params.id } })
        return { deleted: params.id }
      }
    })
  ]
}
