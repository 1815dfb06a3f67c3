import { realpath, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { SystemDiskError, TargetError, TargetMountedError } from './errors.js'
import type { Drive } from 'drivelist'

/** The fields of a drivelist entry fleetp uses (tests build these by hand: no removable drive exists here). */
export type DriveInfo = Pick<Drive, 'device' | 'raw' | 'description' | 'size' | 'isSystem' | 'isRemovable' | 'isReadOnly' | 'isVirtual' | 'isUSB' | 'busType'> & {
  mountpoints: Array<{ path: string }>
  /** drivelist types this as null; on macOS and Windows it is a boolean. */
  isCard: boolean | null
}

/** The drives of this machine, from balena's drivelist (lsblk on Linux, diskutil on macOS). */
export async function listDrives (): Promise<DriveInfo[]> {
  const drivelist = await import('drivelist')
  return await drivelist.list()
}

/**
 * What `fleetp list` shows: by default only drives a card could be — not the system disk,
 * not virtual or empty devices (zram, loop devices with no size). `--all` shows everything,
 * marked, so an operator can see why a drive is missing.
 */
export function visibleDrives (drives: readonly DriveInfo[], options: { all?: boolean } = {}): DriveInfo[] {
  const shown = options.all === true ? [...drives] : drives.filter(d => !d.isSystem && d.isVirtual !== true && (d.size ?? 0) > 0)
  return shown.sort((a, b) => a.device.localeCompare(b.device))
}

export type ResolvedTarget =
  | { kind: 'file', path: string }
  | { kind: 'device', path: string, drive: DriveInfo }

/**
 * Decides whether a `-device` may be written, before anything is opened for writing. A system
 * disk is refused with no override; a mounted drive is refused unless `force`; a partition,
 * an unknown or read-only device, or a device smaller than the image is refused. Anything
 * that is not a block device is an image file (created if missing), but never under /dev.
 */
export async function resolveTarget (path: string, drives: () => Promise<readonly DriveInfo[]>, options: { force?: boolean, imageBytes?: number } = {}): Promise<ResolvedTarget> {
  const abs = resolve(path)
  const info = await stat(abs).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined
    throw new TargetError(`cannot inspect ${abs}: ${err.code ?? err.message}`, { cause: err })
  })
  if (info == null) {
    if (abs.startsWith('/dev/')) throw new TargetError(`${abs} does not exist; run 'fleetp list' to see the drives (is the card inserted?)`)
    const parent = await stat(dirname(abs)).catch(() => undefined)
    if (parent?.isDirectory() !== true) throw new TargetError(`cannot create image file ${abs}: ${dirname(abs)} is not a directory`)
    return { kind: 'file', path: abs }
  }
  if (info.isFile()) return { kind: 'file', path: abs }
  if (!info.isBlockDevice()) throw new TargetError(`${abs} is neither a drive nor an image file; give a drive from 'fleetp list' or a path ending in .img`)
  const real = await realpath(abs)
  return { kind: 'device', path: real, drive: checkDrive(real, await drives(), options) }
}

/** The drive-list half of resolveTarget, pure so it is tested on drivelist-shaped data. */
export function checkDrive (device: string, drives: readonly DriveInfo[], options: { force?: boolean, imageBytes?: number } = {}): DriveInfo {
  const drive = drives.find(d => d.device === device || d.raw === device)
  if (drive == null) {
    const whole = drives.find(d => device.startsWith(d.device))
    if (whole != null) throw new TargetError(`${device} is a partition of ${whole.device}; give the whole drive (-device ${whole.device})`)
    throw new TargetError(`${device} is not a drive this machine lists; run 'fleetp list --all' to see the drives`)
  }
  if (drive.isSystem) {
    throw new SystemDiskError(`${device} (${describe(drive)}) is a system disk of this machine; fleetp never writes it. Pick the SD card from 'fleetp list'`)
  }
  if (drive.isReadOnly) throw new TargetError(`${device} is read-only (is the SD card's lock switch on?)`)
  if (drive.mountpoints.length > 0 && options.force !== true) {
    throw new TargetMountedError(`${device} is mounted at ${drive.mountpoints.map(m => m.path).join(', ')}; unmount it first, or pass --force if you are sure this is the card to erase`)
  }
  if (options.imageBytes != null && drive.size != null && drive.size < options.imageBytes) {
    throw new TargetError(`${device} holds ${formatBytes(drive.size)}, the image needs ${formatBytes(options.imageBytes)}; use a bigger card`)
  }
  return drive
}

export function describe (d: DriveInfo): string {
  return [d.description === '' ? undefined : d.description, d.size != null ? formatBytes(d.size) : undefined].filter(Boolean).join(', ')
}

export function formatBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}
