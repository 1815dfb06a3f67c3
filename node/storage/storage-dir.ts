import { constants as fsConstants } from 'node:fs'
import { access, mkdir, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { StorageDirError } from './errors.js'

/** Where state lives when no `--storage-dir` is given: system-wide as root, per user otherwise. */
export function defaultStorageDir (uid: number = process.getuid?.() ?? -1, home: string = homedir()): string {
  return uid === 0 ? '/var/lib/fleetd' : join(home, '.fleetd')
}

/**
 * Creates the directory (0700: it holds the node's private key and the fleet's network key)
 * and proves it is writable before anything else starts, so a bad path fails in one clear line.
 */
export async function prepareStorageDir (dir: string): Promise<string> {
  const path = resolve(dir)
  try {
    await mkdir(path, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new StorageDirError(`cannot create storage dir ${path}: ${(err as Error).message}; choose another with --storage-dir`, { cause: err })
  }
  const info = await stat(path)
  if (!info.isDirectory()) {
    throw new StorageDirError(`storage dir ${path} is not a directory; choose another with --storage-dir`)
  }
  try {
    await access(path, fsConstants.R_OK | fsConstants.W_OK)
  } catch (err) {
    throw new StorageDirError(`storage dir ${path} is not readable and writable by this user; fix its permissions or choose another with --storage-dir`, { cause: err })
  }
  return path
}
