import { z } from 'zod'
import { API_PREFIX, PAGE_MAX } from '../constants.js'
import { NotFoundError } from '../errors.js'
import { defineRoute, queryInt } from '../route.js'
import { deviceViewSchema } from '../../registry/index.js'
import { deviceIdSchema, groupsSchema, labelKeySchema, labelsSchema, nameSchema, NAME_LENGTH_MAX } from '../../store/index.js'
import type { ApiRoute } from '../route.js'

const idParams = z.object({ id: deviceIdSchema }).strict()

const listQuery = z.object({
  status: z.enum(['online', 'offline']).optional(),
  group: nameSchema.optional(),
  label: z.union([z.string(), z.array(z.string())]).optional().describe('key=value; repeat for several (all must match)')
    .transform((value, ctx) => {
      const labels: Record<string, string> = {}
      for (const item of value == null ? [] : Array.isArray(value) ? value : [value]) {
        const eq = item.indexOf('=')
        if (eq <= 0) {
          ctx.issues.push({ code: 'custom', message: `expected key=value, got '${item}'`, input: item })
          return z.NEVER
        }
        labels[item.slice(0, eq)] = item.slice(eq + 1)
      }
      return labels
    }),
  limit: queryInt(1, PAGE_MAX).optional().describe('devices per page (default 1000)'),
  after: deviceIdSchema.optional().describe("the previous page's `next`")
}).strict()

const registerBody = z.object({
  id: deviceIdSchema,
  name: z.string().max(NAME_LENGTH_MAX).optional(),
  platform: z.string().regex(/^[a-z0-9]+\/[a-z0-9_-]+$/, "expected os/arch like 'linux/arm64'").optional(),
  tier: z.number().int().min(1).max(4).optional().describe('1 full OS · 2 embedded Linux · 3 MCU · 4 sensor'),
  parent: deviceIdSchema.optional().describe('the gateway of an MCU'),
  labels: labelsSchema.optional(),
  groups: groupsSchema.optional()
}).strict()

const labelBody = z.object({
  set: labelsSchema.optional().describe('labels to assign (they win over labels the device reports)'),
  remove: z.array(labelKeySchema).max(64).optional().describe('assigned labels to remove'),
  addGroups: groupsSchema.optional(),
  removeGroups: groupsSchema.optional()
}).strict()

export function deviceRoutes (): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/devices`, tag: 'devices', role: 'viewer',
      summary: 'Devices with status (online/offline), last seen, app versions, labels and groups; paged by id',
      query: listQuery,
      response: z.object({ devices: z.array(deviceViewSchema), next: z.string().optional().describe('pass as `after` for the next page') }),
      handler: async ({ query, ctx }) => await ctx.registry.list({
        ...(query.status != null ? { status: query.status } : {}),
        ...(query.group != null ? { group: query.group } : {}),
        ...(query.label != null ? { labels: query.label } : {}),
        ...(query.limit != null ? { limit: query.limit } : {}),
        ...(query.after != null ? { after: query.after } : {})
      })
    }),
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/devices/:id`, tag: 'devices', role: 'viewer', summary: 'One device', errors: [404],
      params: idParams, response: deviceViewSchema,
      handler: async ({ params, ctx }) => {
        const device = await ctx.registry.get(params.id)
        if (device == null) throw new NotFoundError(`no device ${params.id} is known`, 'GET /api/v1/devices lists them; a device appears when it announces itself or is registered')
        return device
      }
    }),
    defineRoute({
      method: 'POST', path: `${API_PREFIX}/devices`, tag: 'devices', role: 'admin', status: 201, errors: [409],
      summary: 'Register a device ahead of its first announcement (or add names, labels and groups to one already seen)',
      body: registerBody, response: deviceViewSchema,
      handler: async ({ body, actor, ctx }) => {
        const device = await ctx.registry.register(body, actor?.name ?? '')
        await ctx.audit.append({ actor: actor?.name ?? '', action: 'device.register', detail: { deviceId: body.id } })
        return device
      }
    }),
    defineRoute({
      method: 'POST', path: `${API_PREFIX}/devices/:id/labels`, tag: 'devices', role: 'admin', errors: [404],
      summary: 'Assign or remove labels, add or remove groups',
      params: idParams, body: labelBody, response: deviceViewSchema,
      handler: async ({ params, body, actor, ctx }) => {
        const device = await ctx.registry.label(params.id, body)
        await ctx.audit.append({
          actor: actor?.name ?? '', action: 'device.label',
          detail: { deviceId: params.id, set: body.set ?? {}, remove: body.remove ?? [], addGroups: body.addGroups ?? [], removeGroups: body.removeGroups ?? [] }
        })
        return device
      }
    })
  ]
}
