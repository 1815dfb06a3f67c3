/**
 * The block device an io limit applies to. io.max and blkio.throttle take a `major:minor` of a
 * whole disk (the kernel refuses partitions), so a path is resolved through stat and
 * /sys/dev/block, walking from a partition up to its disk.
 */
import { access, readFile, realpath, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'

export type BlockDevice = { device: string } | { device?: undefined, reason: string }

/** `{ device: '254:0' }` for the disk holding `path`, or the reason there is none. */
export async function blockDeviceOf (path: string): Promise<BlockDevice> {
  let dev: bigint
  try {
    dev = (await stat(path, { bigint: true })).dev
  } catch (err) {
    return { reason: `cannot stat ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})` }
  }
  const number = `${major(dev)}:${minor(dev)}`
  let sysDir: string
  try {
    sysDir = await realpath(`/sys/dev/block/${number}`)
  } catch {
    // tmpfs, overlayfs, NFS: anonymous device numbers with no disk behind them.
    return { reason: `${path} is on device ${number}, which is not a block device (tmpfs, overlay or network filesystem)` }
  }
  // A partition's sysfs directory sits inside its disk's and has a `partition` file.
  const isPartition = await access(join(sysDir, 'partition')).then(() => true, () => false)
  if (!isPartition) return { device: number }
  const disk = (await readFile(join(dirname(sysDir), 'dev'), 'utf8').catch(() => '')).trim()
  return /^\d+:\d+$/.test(disk) ? { device: disk } : { reason: `cannot find the disk of partition ${number}` }
}

// glibc's gnu_dev_major/minor: the 64-bit dev_t interleaves 32 bits of major and 32 of minor.
function major (dev: bigint): bigint {
  return ((dev & 0x00000000000fff00n) >> 8n) | ((dev & 0xfffff00000000000n) >> 32n)
}

function minor (dev: bigint): bigint {
  return (dev & 0x00000000000000ffn) | ((dev & 0x00000ffffff00000n) >> 12n)
}
