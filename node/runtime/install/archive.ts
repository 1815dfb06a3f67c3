/**
 * tar.gz archives, extracted with the system's `tar` (GNU tar or busybox) rather than a JS
 * implementation: it is on every device image, streams, and keeps file modes. The archive is
 * listed and checked before anything is written, and the result is checked again after.
 */
import { chmod, lstat, readdir, readlink } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { findExecutable } from '../availability.js'
import { RuntimeUnavailableError } from '../errors.js'
import { quoteOutput, runTool } from '../run-tool.js'
import { ARCHIVE_ENTRIES_MAX, ARCHIVE_LISTING_BYTES_MAX, TOOL_OUTPUT_QUOTED_MAX, TOOL_TIMEOUT_MS } from './constants.js'
import { ArchiveRefusedError, InstallError } from './errors.js'
import type { AbortOptions } from '../../ports/index.js'

export interface ArchiveOptions extends AbortOptions {
  /** Where `tar` is looked up. @default process.env.PATH */
  pathEnv?: string
}

/** Extracts `file` (tar.gz) into the empty dir `dest`, refusing unsafe entries by name. */
export async function extractArchive (file: string, dest: string, options: ArchiveOptions = {}): Promise<void> {
  const tar = await findExecutable('tar', options.pathEnv)
  if (tar === undefined) throw new RuntimeUnavailableError('archive artifacts need tar, which this device lacks; install tar (GNU tar or busybox)', 'tar')
  const run = { signal: options.signal, timeoutMs: TOOL_TIMEOUT_MS, outputBytesMax: ARCHIVE_LISTING_BYTES_MAX }

  const listing = await runTool(tar, ['-tzf', file], run)
  if (listing.truncated) throw tooMany(`more than ${ARCHIVE_LISTING_BYTES_MAX} bytes of names`)
  if (listing.code !== 0) throw failed('list', listing.stderr)
  checkEntries(listing.stdout.split('\n').filter(line => line !== ''))

  // --no-same-owner: the agent runs as root, and files must not take uids from the build machine.
  // --no-same-permissions: apply the umask, which also drops setuid/setgid bits from the archive.
  const extraction = await runTool(tar, ['-xzf', file, '-C', dest, '--no-same-owner', '--no-same-permissions'], run)
  if (extraction.code !== 0) throw failed('extract', extraction.stderr)
  await checkTree(dest)
}

/** Refuses absolute and `..` entries before extraction (tar would only strip or skip them with a warning). */
export function checkEntries (entries: string[]): void {
  if (entries.length > ARCHIVE_ENTRIES_MAX) throw tooMany(`${entries.length} entries`)
  for (const entry of entries) {
    if (isAbsolute(entry)) {
      throw new ArchiveRefusedError(`archive entry '${entry}' has an absolute path; build the archive from inside the app dir (tar -czf app.tgz -C dir .)`, 'unsafe-entry', entry)
    }
    if (entry.split('/').includes('..')) {
      throw new ArchiveRefusedError(`archive entry '${entry}' leads out of the app dir with '..'; remove it from the archive`, 'unsafe-entry', entry)
    }
  }
}

/**
 * After extraction: every symlink must stay inside `dest` (the agent and the app resolve paths
 * through them later), and, in case a tar ignored --no-same-permissions, no setuid bits remain.
 */
async function checkTree (dest: string): Promise<void> {
  const entries = await readdir(dest, { recursive: true, withFileTypes: true })
  if (entries.length > ARCHIVE_ENTRIES_MAX) throw tooMany(`${entries.length} files`)
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name)
    const name = relative(dest, path)
    if (entry.isSymbolicLink()) {
      const target = await readlink(path)
      const rel = relative(dest, resolve(dirname(path), target))
      if (isAbsolute(target) || rel.split(sep)[0] === '..') {
        throw new ArchiveRefusedError(`archive entry '${name}' is a link to '${target}', outside the app dir; ship the file itself or a link inside the archive`, 'unsafe-link', name)
      }
    } else if (entry.isFile()) {
      const { mode } = await lstat(path)
      if ((mode & 0o6000) !== 0) await chmod(path, mode & 0o777)
    }
  }
}

function tooMany (what: string): ArchiveRefusedError {
  return new ArchiveRefusedError(`archive has ${what}; at most ${ARCHIVE_ENTRIES_MAX} entries are installed`, 'too-many-entries')
}

function failed (step: string, stderr: string): InstallError {
  return new InstallError(`tar could not ${step} the archive (is it a tar.gz?): ${quoteOutput(stderr, TOOL_OUTPUT_QUOTED_MAX)}`, 'tool-failed')
}
