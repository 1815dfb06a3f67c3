/** Turns zod issues into `manifest.platforms[1]: what was wrong` lines. */
import { ISSUES_IN_MESSAGE_MAX } from './constants.js'
import { ManifestError } from './errors.js'
import type { ManifestIssue } from './errors.js'
import type { z } from 'zod'

export function formatPath (root: string, path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`, root)
}

/**
 * Field schemas set their own messages; what zod reports by itself (an unknown field, a
 * message of the wrong shape) is worded here the same way.
 */
export function toIssues (root: string, issues: readonly z.core.$ZodIssue[]): ManifestIssue[] {
  return issues.flatMap(issue => issue.code === 'unrecognized_keys'
    ? issue.keys.map(key => ({ path: formatPath(root, [...issue.path, key]), message: 'unknown field; a signed manifest carries only the fields of the schema' }))
    : [{ path: formatPath(root, issue.path), message: issue.message }])
}

export function manifestError (issues: ManifestIssue[], options?: ErrorOptions): ManifestError {
  const shown = issues.slice(0, ISSUES_IN_MESSAGE_MAX).map(i => `${i.path}: ${i.message}`).join('; ')
  const more = issues.length > ISSUES_IN_MESSAGE_MAX ? `; and ${issues.length - ISSUES_IN_MESSAGE_MAX} more` : ''
  return new ManifestError(`invalid manifest: ${shown}${more}`, issues, options)
}
