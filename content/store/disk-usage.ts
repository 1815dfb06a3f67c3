import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { BLOCKS_DIR } from './blockstore.js'

const BLOCK_FILE_SUFFIX = '.data'

export interface DiskUsage {
  blocks: number
  /** Bytes of block files (their length, not the file system's allocation). */
  bytes: number
}

/**
 * Blocks stored under `<storageDir>/blocks` and their bytes, walking one shard folder at a
 * time so memory stays bounded by the largest folder. Temporary files of interrupted writes
 * are not blocks and are not counted.
 */
export async function diskUsage (storageDir: string): Promise<DiskUsage> {
  const usage: DiskUsage = { blocks: 0, bytes: 0 }
  await walk(join(storageDir, BLOCKS_DIR), usage)
  return usage
}

async function walk (dir: string, usage: DiskUsage): Promise<void> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      await walk(path, usage)
    } else if (entry.isFile() && entry.name.endsWith(BLOCK_FILE_SUFFIX) && !entry.name.startsWith('.')) {
      usage.blocks++
      usage.bytes += (await lstat(path)).size
    }
  }
}
