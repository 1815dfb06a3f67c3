/** Turns zod issues into `canary.initialPercent: what was wrong` lines (the manifest's wording). */
import { ISSUES_IN_MESSAGE_MAX } from './constants.js'
import { DeploymentSpecError } from './errors.js'
import type { DeploymentSpecIssue } from './errors.js'
import type { z } from 'zod'

export function formatPath (path: ReadonlyArray<PropertyKey>): string {
  const text = path.reduce<string>((out, key) => typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`, '')
  return text.startsWith('.') ? text.slice(1) : (text === '' ? 'deployment' : text)
}

export function toSpecIssues (issues: readonly z.core.$ZodIssue[]): DeploymentSpecIssue[] {
  return issues.flatMap(issue => issue.code === 'unrecognized_keys'
    ? issue.keys.map(key => ({ path: formatPath([...issue.path, key]), message: 'unknown field; see the deployment spec for the fields of this strategy' }))
    : [{ path: formatPath(issue.path), message: issue.message }])
}

export function specError (issues: DeploymentSpecIssue[], options?: ErrorOptions): DeploymentSpecError {
  const shown = issues.slice(0, ISSUES_IN_MESSAGE_MAX).map(i => `${i.path}: ${i.message}`).join('; ')
  const more = issues.length > ISSUES_IN_MESSAGE_MAX ? `; and ${issues.length - ISSUES_IN_MESSAGE_MAX} more` : ''
  return new DeploymentSpecError(`invalid deployment: ${shown}${more}`, issues, options)
}
