/**
 * Which devices a deployment targets (DESIGN "Deployment"), before the cohort rule picks the
 * phase: `all`, `group:NAME` (or `group:A,B`: any of them), a label selector
 * `k=v,k2!=v2` (every requirement holds; a missing label is not equal to anything), or
 * `ids:ID,ID` (device ids, the libp2p peer ids).
 */
import { PlanInvalidError } from './errors.js'

export type TargetSelector =
  | { kind: 'all' }
  | { kind: 'groups', groups: string[] }
  | { kind: 'labels', requirements: LabelRequirement[] }
  | { kind: 'ids', ids: string[] }

export interface LabelRequirement { key: string, op: '=' | '!=', value: string }

/** What a device knows about itself that selectors look at. */
export interface DeviceIdentity {
  /** The device id: its libp2p peer id. */
  id: string
  labels: Readonly<Record<string, string>>
  groups: readonly string[]
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/
const VALUE = /^[A-Za-z0-9._/-]*$/
const FORMS = "use 'all', 'group:NAME', a label selector like 'site=berlin,tier!=test', or 'ids:ID,ID'"

/** Parses a selector; throws PlanInvalidError naming the part that is wrong. */
export function parseTarget (text: string): TargetSelector {
  const target = text.trim()
  if (target === 'all') return { kind: 'all' }
  if (target.startsWith('group:')) return { kind: 'groups', groups: names(target.slice('group:'.length), 'group', target) }
  if (target.startsWith('ids:')) return { kind: 'ids', ids: names(target.slice('ids:'.length), 'device id', target) }
  if (target === '') throw new PlanInvalidError(`the target selector is empty; ${FORMS}`)
  return { kind: 'labels', requirements: target.split(',').map(part => requirement(part.trim(), target)) }
}

export function matchesTarget (selector: TargetSelector, device: DeviceIdentity): boolean {
  switch (selector.kind) {
    case 'all': return true
    case 'groups': return selector.groups.some(g => device.groups.includes(g))
    case 'ids': return selector.ids.includes(device.id)
    case 'labels': return selector.requirements.every(r => {
      const value = Object.hasOwn(device.labels, r.key) ? device.labels[r.key] : undefined
      return r.op === '=' ? value === r.value : value !== r.value
    })
  }
}

function names (list: string, what: string, target: string): string[] {
  const items = list.split(',').map(s => s.trim())
  const bad = items.find(s => !NAME.test(s))
  if (bad !== undefined) throw new PlanInvalidError(`target '${target.slice(0, 200)}' has an invalid ${what} '${bad.slice(0, 80)}'; ${FORMS}`)
  return items
}

function requirement (part: string, target: string): LabelRequirement {
  const match = /^([^=!]+)(!=|=)(.*)$/.exec(part)
  const key = match?.[1]?.trim() ?? ''
  const value = match?.[3]?.trim() ?? ''
  if (match == null || !NAME.test(key) || !VALUE.test(value)) {
    throw new PlanInvalidError(`target '${target.slice(0, 200)}' has '${part.slice(0, 80)}', which is not a label requirement (key=value or key!=value); ${FORMS}`)
  }
  return { key, op: match[2] === '!=' ? '!=' : '=', value }
}

/**
 * Groups of a device: the comma-separated labels `group` and `groups`. The device and the
 * coordinator both derive groups this way, so both agree on what `group:NAME` selects.
 */
export function deviceGroups (labels: Readonly<Record<string, string>>): string[] {
  const names = [labels.group, labels.groups].flatMap(v => (v ?? '').split(',')).map(g => g.trim()).filter(g => g !== '')
  return [...new Set(names)]
}
