import { describe, expect, it } from 'vitest'
import { appSpecSchema } from '../agent/index.js'
import { manifestFromJson } from '../../content/manifest/index.js'
import { testManifest, testPlan } from '../../test/plans/plan-fixtures.js'
import { agentAppFromPlan, agentSpec, PlanInvalidError } from './index.js'
import type { Plan } from '../../proto/index.js'

// Encodable<Plan> and Plan differ only in the buffer type of bytes fields.
const plan = (overrides: Parameters<typeof testPlan>[0] = {}): Plan => testPlan(overrides) as Plan
const app = plan().app
if (app == null) throw new Error('fixture has an app')

describe('AppSpec conversion', () => {
  it('turns the wire spec into the agent spec the agent validates', () => {
    const spec = agentSpec(app)
    expect(spec).toEqual({
      name: 'edge-app', runtime: 'process', args: ['--port', '8080'], env: { MODE: 'prod' },
      limits: { memory: 64 * 1024 * 1024, cpu: '500m' },
      healthCheck: { kind: 'http', port: 8080, path: '/health', intervalMs: 1000, timeoutMs: 500, retries: 3 },
      restartPolicy: 'always'
    })
    expect(appSpecSchema.parse(spec).limits).toEqual({ memory: 64 * 1024 * 1024, cpu: '500m' })
  })

  it('leaves zero and empty fields to the agent defaults', () => {
    const spec = agentSpec({ name: 'tiny', runtime: '', args: [], env: new Map(), restartPolicy: '' })
    expect(spec).toEqual({ name: 'tiny', runtime: 'process', args: [], env: {}, limits: {} })
    const parsed = appSpecSchema.parse(spec)
    expect(parsed.restartPolicy).toBe('on-failure')
    expect(parsed.healthCheck).toBeUndefined()
  })

  it('converts tcp and exec health checks', () => {
    const base = { command: [], httpPath: '', intervalMs: 0, timeoutMs: 0, failureThreshold: 0, startPeriodMs: 0 }
    expect(agentSpec({ ...app, healthCheck: { ...base, kind: 'tcp', port: 9000 } }).healthCheck).toEqual({ kind: 'tcp', port: 9000 })
    expect(agentSpec({ ...app, healthCheck: { ...base, kind: 'exec', port: 0, command: ['/bin/true'], startPeriodMs: 2000 } }).healthCheck)
      .toEqual({ kind: 'exec', command: ['/bin/true'], startPeriodMs: 2000 })
  })

  it('refuses what the agent cannot run, saying what to do', () => {
    expect(() => agentSpec({ ...app, runtime: 'mcu-firmware' })).toThrow(/a gateway flashes .* target the MCUs/)
    expect(() => agentSpec({ ...app, runtime: 'wasm' })).toThrow(/runtime 'wasm', which this fleet-node does not know/)
    expect(() => agentSpec({ ...app, name: 'Bad Name' })).toThrow(PlanInvalidError)
    expect(() => agentSpec({ ...app, env: new Map([['1BAD', 'x']]) })).toThrow(/refuses at "env/)
    expect(() => agentSpec({ ...app, restartPolicy: 'sometimes' })).toThrow(/refuses at "restartPolicy"/)
  })

  it('gives the agent the plan manifest in JSON form', () => {
    const result = agentAppFromPlan(plan())
    expect(result).toMatchObject({ version: '1.2.0', rollback: false })
    expect(result.manifest.sha256).toBe('07'.repeat(32))
    expect(manifestFromJson(result.manifest).version).toBe('1.2.0')
  })

  it('targets the rollback version: from the plan when it carries it, else from the lookup', () => {
    const carried = agentAppFromPlan(plan({ rollbackTo: '1.1.0', manifest: testManifest('1.1.0') }))
    expect(carried).toMatchObject({ version: '1.1.0', rollback: true })
    expect(carried.manifest.version).toBe('1.1.0')
    const looked = agentAppFromPlan(plan({ rollbackTo: '1.0.0' }), (name, version) => ({ ...carried.manifest, name, version }))
    expect(looked.manifest.version).toBe('1.0.0')
    expect(() => agentAppFromPlan(plan({ rollbackTo: '0.9.0' }))).toThrow(/rolls edge-app back to 0\.9\.0, .* must put the manifest of 0\.9\.0 in the rollback plan/)
  })

  it('refuses a manifest of another app', () => {
    expect(() => agentAppFromPlan(plan({ manifest: testManifest('1.2.0', 'other-app') }))).toThrow(/deploys app 'edge-app' with the artifact 'other-app'/)
  })
})
