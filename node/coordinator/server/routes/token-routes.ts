import { z } from 'zod'
import { API_PREFIX } from '../constants.js'
import { defineRoute } from '../route.js'
import { apiTokenRecordSchema, NAME_LENGTH_MAX, roleSchema } from '../../store/index.js'
import type { ApiRoute } from '../route.js'
import type { ApiTokenRecord } from '../../store/index.js'

/** A token as listed: everything but its hash. */
const tokenViewSchema = apiTokenRecordSchema.omit({ sha256: true })

function view (record: ApiTokenRecord): z.infer<typeof tokenViewSchema> {
  const out: Partial<ApiTokenRecord> = { ...record }
  delete out.sha256
  return out as z.infer<typeof tokenViewSchema>
}

export function tokenRoutes (): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/tokens`, tag: 'tokens', role: 'admin', summary: 'API tokens (never their secrets), revoked ones included',
      response: z.object({ tokens: z.array(tokenViewSchema) }),
      handler: async ({ ctx }) => ({ tokens: (await ctx.store.tokens.list()).map(view) })
    }),
    defineRoute({
      method: 'POST', path: `${API_PREFIX}/tokens`, tag: 'tokens', role: 'admin', status: 201, errors: [409],
      summary: 'Create an API token; the answer holds the token, the only time it is shown',
      body: z.object({
        name: z.string().min(1).max(NAME_LENGTH_MAX).regex(/^[A-Za-z0-9][A-Za-z0-9 ._@-]*$/, 'names are letters, digits, space . _ @ -').describe('who or what uses it: shown in the audit log'),
        role: roleSchema
      }).strict(),
      response: tokenViewSchema.extend({ token: z.string().describe('the secret: store it now, it cannot be shown again') }),
      handler: async ({ body, actor, ctx }) => {
        const { token, record } = await ctx.tokens.create({ name: body.name, role: body.role, createdBy: actor?.name ?? '' })
        await ctx.audit.append({ actor: actor?.name ?? '', action: 'token.create', detail: { tokenId: record.id, name: record.name, role: record.role } })
        return { ...view(record), token }
      }
    }),
    defineRoute({
      method: 'DELETE', path: `${API_PREFIX}/tokens/:id`, tag: 'tokens', role: 'admin', errors: [404, 409],
      summary: 'Revoke an API token (the last admin token cannot be revoked)',
      params: z.object({ id: z.string().regex(/^[a-z0-9]{8,32}$/, 'a token id is 8–32 of a-z 0-9') }).strict(),
      response: tokenViewSchema,
      handler: async ({ params, actor, ctx }) => {
        const record = await ctx.tokens.revoke(params.id, actor?.name ?? '')
        await ctx.audit.append({ actor: actor?.name ?? '', action: 'token.revoke', detail: { tokenId: record.id, name: record.name, role: record.role } })
        return view(record)
      }
    })
  ]
}
