import { z } from 'zod'
import { API_PREFIX, APPS_MAX } from '../constants.js'
import { appCreateSchema } from '../app-input.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { defineRoute } from '../route.js'
import { appRecordSchema, nameSchema } from '../../store/index.js'
import type { ApiRoute } from '../route.js'
import type { AppRecord } from '../../store/index.js'

export function appRoutes (): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/apps`, tag: 'apps', role: 'viewer', summary: 'Apps by name',
      response: z.object({ apps: z.array(appRecordSchema) }),
      handler: async ({ ctx }) => ({ apps: await ctx.store.apps.list({ limit: APPS_MAX }) })
    }),
    defineRoute({
      method: 'GET', path: `${API_PREFIX}/apps/:name`, tag: 'apps', role: 'viewer', summary: 'One app', errors: [404],
      params: z.object({ name: nameSchema }).strict(), response: appRecordSchema,
      handler: async ({ params, ctx }) => {
        const app = await ctx.store.apps.get(params.name)
        if (app == null) throw new NotFoundError(`no app named ${params.name}`, 'GET /api/v1/apps lists them; POST /api/v1/apps creates one')
        return app
      }
    }),
    defineRoute({
      method: 'POST', path: `${API_PREFIX}/apps`, tag: 'apps', role: 'operator', status: 201, errors: [409],
      summary: 'Create an app: artifact NAME:VERSION, runtime, health check URL (http://localhost:8080/health), limits, env, restart policy',
      body: appCreateSchema, response: appRecordSchema,
      handler: async ({ body, actor, ctx }) => {
        const app: AppRecord = { ...body, createdMs: ctx.clock.nowMs(), createdBy: actor?.name ?? '' }
        await ctx.store.exclusive(async () => {
          if (await ctx.store.apps.has(app.name)) throw new ConflictError(`an app named ${app.name} exists already`, 'pick another name; deploy a new version of it with POST /api/v1/deployments')
          if (await ctx.store.apps.count() >= APPS_MAX) throw new ConflictError(`the coordinator holds its maximum of ${APPS_MAX} apps`, 'remove apps that are no longer deployed')
          await ctx.store.apps.put(app.name, app)
        })
        await ctx.audit.append({
          actor: app.createdBy, action: 'app.create', artifactVersion: `${app.artifact.name}@${app.artifact.version}`,
          detail: { app: app.name, runtime: app.runtime }
        })
        return app
      }
    })
  ]
}
