import { describe, expect, it } from 'vitest'
import { matchesTarget, parseTarget, PlanInvalidError } from './index.js'
import type { DeviceIdentity } from './index.js'

const camera: DeviceIdentity = { id: '12D3KooWCamera', labels: { site: 'berlin', tier: 'prod', 'hw/model': 'pi4' }, groups: ['cameras', 'edge'] }
const sensor: DeviceIdentity = { id: '12D3KooWSensor', labels: { site: 'paris' }, groups: [] }

describe('target selectors', () => {
  it.each([
    ['all', true, true],
    ['group:cameras', true, false],
    ['group:gateways,edge', true, false],
    ['group:gateways', false, false],
    ['site=berlin', true, false],
    ['site=berlin,tier=prod', true, false],
    ['site=berlin, tier!=prod', false, false],
    ['tier!=prod', false, true],
    ['hw/model=pi4', true, false],
    ['site=', false, false],
    ['ids:12D3KooWSensor', false, true],
    ['ids:12D3KooWCamera,12D3KooWSensor', true, true]
  ])('%s → camera %s, sensor %s', (target, cameraIn, sensorIn) => {
    const selector = parseTarget(target)
    expect(matchesTarget(selector, camera)).toBe(cameraIn)
    expect(matchesTarget(selector, sensor)).toBe(sensorIn)
  })

  it('parses into the selector kinds', () => {
    expect(parseTarget('group:a')).toEqual({ kind: 'groups', groups: ['a'] })
    expect(parseTarget('k=v,x!=y')).toEqual({ kind: 'labels', requirements: [{ key: 'k', op: '=', value: 'v' }, { key: 'x', op: '!=', value: 'y' }] })
    expect(parseTarget('ids:a, b')).toEqual({ kind: 'ids', ids: ['a', 'b'] })
  })

  it('refuses what it cannot parse, naming the part and the accepted forms', () => {
    for (const bad of ['', 'group:', 'group:a,,b', 'ids:', 'site', 'site=berlin,', '=x', 'a=b c']) {
      expect(() => parseTarget(bad), bad).toThrow(PlanInvalidError)
    }
    expect(() => parseTarget('site~berlin')).toThrow(/'site~berlin', which is not a label requirement .* use 'all', 'group:NAME'/)
  })

  it('does not read inherited properties as labels', () => {
    expect(matchesTarget(parseTarget('constructor!=x'), sensor)).toBe(true)
    expect(matchesTarget(parseTarget('toString=x'), sensor)).toBe(false)
  })
})
