/**
 * fleet-app.json, the manifest an archive carries at its root (STYLE rule 11): what to run and
 * with which environment. Unknown fields are ignored so that archives built for a newer agent
 * still install on an older one; a misspelt required field is still caught as missing.
 */
import { lstat, readFile, realpath } from 'node:fs/promises'
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path'
import { z } from 'zod'
import {
  APP_MANIFEST_BYTES_MAX, APP_MANIFEST_FILE, ARG_LENGTH_MAX, ENTRYPOINT_ARGS_MAX, ENV_ENTRIES_MAX, ENV_NAME_PATTERN
} from './constants.js'
import { AppManifestError } from './errors.js'

const argSchema = z.string({ error: 'expected a string' }).max(ARG_LENGTH_MAX, { error: `expected at most ${ARG_LENGTH_MAX} characters` })

const programSchema = argSchema.min(1, { error: 'expected the program to run, like "bin/app"' })
  .refine(p => !isAbsolute(p), { error: 'expected a path relative to the archive root, like "bin/app", not an absolute path' })
  .refine(p => normalize(p).split(sep)[0] !== '..', { error: "expected a path inside the archive; '..' leads out of it" })

export const appManifestSchema = z.object({
  entrypoint: z.tuple([programSchema], argSchema, { error: 'expected a list like ["bin/app", "--flag"]: the program (relative to the archive root) and its arguments' })
    .refine(a => a.length <= ENTRYPOINT_ARGS_MAX, { error: `expected at most ${ENTRYPOINT_ARGS_MAX} arguments` }),
  env: z.record(z.string(), argSchema, { error: 'expected an object of string values, like {"PORT": "8080"}' })
    .superRefine((env, ctx) => {
      const names = Object.keys(env)
      if (names.length > ENV_ENTRIES_MAX) ctx.addIssue({ code: 'custom', message: `expected at most ${ENV_ENTRIES_MAX} variables` })
      for (const name of names.filter(n => !ENV_NAME_PATTERN.test(n))) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'expected a variable name of letters, digits and _, not starting with a digit' })
      }
    }).optional(),
  // Interpreted by the health checker (node/runtime/health), passed through untouched here.
  healthCheck: z.unknown().optional()
}, { error: 'expected a JSON object with an "entrypoint" list' })

export type AppManifest = z.infer<typeof appManifestSchema>

function refuse (field: string, problem: string, options?: ErrorOptions): AppManifestError {
  return new AppManifestError(`${APP_MANIFEST_FILE} in the archive: ${field}: ${problem}; fix it and build the archive again`, field, options)
}

/**
 * Reads and validates `<dir>/fleet-app.json` of an extracted archive and checks that the
 * entrypoint's program is an executable file inside `dir` (after following links).
 */
export async function readAppManifest (dir: string): Promise<AppManifest> {
  const path = join(dir, APP_MANIFEST_FILE)
  const info = await lstat(path).catch(() => undefined)
  if (info === undefined) throw refuse(APP_MANIFEST_FILE, `is missing; put it at the root of the archive (next to the app, not in a subdirectory) with at least {"entrypoint": ["bin/app"]}`)
  // A link could make the agent read (and quote in errors) any file on the device.
  if (!info.isFile()) throw refuse(APP_MANIFEST_FILE, 'is not a regular file (a link or directory)')
  if (info.size > APP_MANIFEST_BYTES_MAX) throw refuse(APP_MANIFEST_FILE, `is ${info.size} bytes; at most ${APP_MANIFEST_BYTES_MAX} are read`)
  let value: unknown
  try {
    value = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw refuse(APP_MANIFEST_FILE, `is not valid JSON (${(err as Error).message})`, { cause: err })
  }
  const result = appManifestSchema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue === undefined || issue.path.length === 0
      ? APP_MANIFEST_FILE
      : issue.path.reduce<string>((out, key) => typeof key === 'number' ? `${out}[${key}]` : out === '' ? String(key) : `${out}.${String(key)}`, '')
    throw refuse(field, issue?.message ?? 'is invalid')
  }
  await checkProgram(dir, result.data.entrypoint[0])
  return result.data
}

async function checkProgram (dir: string, program: string): Promise<void> {
  const field = 'entrypoint[0]'
  let real: string
  try {
    real = await realpath(resolve(dir, program))
  } catch {
    throw refuse(field, `'${program}' is not in the archive`)
  }
  const rel = relative(await realpath(dir), real)
  if (rel === '' || rel.split(sep)[0] === '..' || isAbsolute(rel)) throw refuse(field, `'${program}' links to a file outside the archive`)
  const info = await lstat(real)
  if (!info.isFile()) throw refuse(field, `'${program}' is not a file`)
  if ((info.mode & 0o111) === 0) throw refuse(field, `'${program}' is not executable; chmod +x it before packing`)
}
