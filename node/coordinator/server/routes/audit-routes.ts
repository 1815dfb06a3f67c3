import { z } from 'zod'
import { API_PREFIX, AUDIT_PAGE_DEFAULT, PAGE_MAX } from '../constants.js'
import { defineRoute, queryInt } from '../route.js'
import { auditEntrySchema } from '../../store/index.js'
import type { ApiRoute } from '../route.js'

const verifySchema = z.union([
  z.object({ ok: z.literal(true), count: z.number().int(), headHash: z.string() }),
  z.object({
    ok: z.literal(false), count: z.number().int(), index: z.number().int().describe('the first bad entry'),
    problem: z.enum(['malformed', 'index-mismatch', 'hash-mismatch', 'prev-hash-mismatch', 'head-mismatch']), message: z.string()
  })
])

export function auditRoutes (): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/audit`, tag: 'audit', role: 'viewer',
      summary: 'Audit entries in order from index `from`; with `deployment`, only that deployment\'s',
      query: z.object({
        from: queryInt(0, Number.MAX_SAFE_INTEGER).optional().describe('first index (default 0)'),
        limit: queryInt(1, PAGE_MAX).optional().describe(`entries per page (default ${AUDIT_PAGE_DEFAULT})`),
        deployment: z.string().max(128).optional()
      }).strict(),
      response: z.object({ entries: z.array(auditEntrySchema), next: z.number().int().optional().describe('pass as `from` for the next page') }),
      handler: async ({ query, ctx }) => {
        const limit = query.limit ?? AUDIT_PAGE_DEFAULT
        let from = query.from ?? 0
        const entries = []
        // Filtering scans forward in pages; the scan is bounded by the log, each page by PAGE_MAX.
        while (entries.length < limit) {
          const page = await ctx.store.audit.range(from, PAGE_MAX)
          for (const entry of page) {
            from = entry.index + 1
            if (query.deployment == null || entry.deploymentId === query.deployment) entries.push(entry)
            if (entries.length === limit) break
          }
          if (page.length < PAGE_MAX) break
        }
        const more = (await ctx.store.audit.range(from, 1)).length > 0
        return more ? { entries, next: from } : { entries }
      }
    }),
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/audit/verify`, tag: 'audit', role: 'viewer',
      summary: "Verify the whole hash chain on the server; `fleets audit verify` checks the entries itself",
      response: verifySchema,
      handler: async ({ ctx }) => await ctx.audit.verify()
    })
  ]
}
