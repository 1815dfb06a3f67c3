/**
 * Drive filtering and refusal on drivelist-shaped data: this machine has no removable drive
 * (only its virtio system disk and a zram device), so cards are described by hand in the shape
 * drivelist returns; the system disk checks also run against the real drivelist here.
 */
import { describe, expect, it } from 'vitest'
import { checkDrive, listDrives, resolveTarget, visibleDrives } from './drives.js'
import { SystemDiskError, TargetMountedError } from './errors.js'
import type { DriveInfo } from './drives.js'

function drive (over: Partial<DriveInfo>): DriveInfo {
  return {
    device: '/dev/sdb', raw: '/dev/sdb', description: 'Generic STORAGE DEVICE', size: 31_914_983_424, isSystem: false, isRemovable: true,
    isReadOnly: false, isVirtual: false, isUSB: true, isCard: true, busType: 'USB', mountpoints: [], ...over
  }
}
const SD = drive({})
const MOUNTED = drive({ device: '/dev/sdc', raw: '/dev/sdc', mountpoints: [{ path: '/media/ops/bootfs' }] })
const SYSTEM = drive({ device: '/dev/nvme0n1', raw: '/dev/nvme0n1', isSystem: true, isRemovable: false, isUSB: false, isCard: false, mountpoints: [{ path: '/' }] })
const ZRAM = drive({ device: '/dev/zram0', raw: '/dev/zram0', size: null, isVirtual: true })
const LOCKED = drive({ device: '/dev/sdd', raw: '/dev/sdd', isReadOnly: true })

describe('fleetp list filtering', () => {
  it('hides system disks and virtual devices unless --all', () => {
    expect(visibleDrives([SYSTEM, ZRAM, MOUNTED, SD]).map(d => d.device)).toEqual(['/dev/sdb', '/dev/sdc'])
    expect(visibleDrives([SYSTEM, ZRAM, SD], { all: true }).map(d => d.device)).toEqual(['/dev/nvme0n1', '/dev/sdb', '/dev/zram0'])
  })

  it('on this machine (real drivelist): the system disk is found and hidden by default', async () => {
    const real = await listDrives()
    const system = real.filter(d => d.isSystem)
    expect(system.length).toBeGreaterThan(0)
    expect(visibleDrives(real).some(d => d.isSystem)).toBe(false)
    expect(visibleDrives(real, { all: true })).toHaveLength(real.length)
  })
})

describe('target refusal', () => {
  const all = [SD, MOUNTED, SYSTEM, LOCKED]
  it('refuses a system disk even with --force', () => {
    expect(() => checkDrive('/dev/nvme0n1', all, { force: true })).toThrow(SystemDiskError)
  })
  it('refuses a mounted drive unless --force', () => {
    expect(() => checkDrive('/dev/sdc', all)).toThrow(TargetMountedError)
    expect(() => checkDrive('/dev/sdc', all)).toThrow(/mounted at \/media\/ops\/bootfs; unmount it first, or pass --force/)
    expect(checkDrive('/dev/sdc', all, { force: true })).toBe(MOUNTED)
  })
  it('refuses partitions, unknown, read-only and too-small drives', () => {
    expect(() => checkDrive('/dev/sdb1', all)).toThrow(/partition of \/dev\/sdb; give the whole drive/)
    expect(() => checkDrive('/dev/sdz', all)).toThrow(/not a drive this machine lists/)
    expect(() => checkDrive('/dev/sdd', all)).toThrow(/read-only/)
    expect(() => checkDrive('/dev/sdb', all, { imageBytes: 64e9 })).toThrow(/use a bigger card/)
    expect(checkDrive('/dev/sdb', all, { imageBytes: 4e9 })).toBe(SD)
  })
  it('resolves paths: a missing /dev node and a character device are refused; a new file is an image target', async () => {
    const none = async (): Promise<DriveInfo[]> => await Promise.resolve([])
    await expect(resolveTarget('/dev/sdq-missing', none)).rejects.toThrow(/does not exist; run 'fleetp list'/)
    await expect(resolveTarget('/dev/null', none)).rejects.toThrow(/neither a drive nor an image file/)
    await expect(resolveTarget('/tmp/new-card-image.img', none)).resolves.toEqual({ kind: 'file', path: '/tmp/new-card-image.img' })
    await expect(resolveTarget('/nonexistent-dir/x.img', none)).rejects.toThrow(/is not a directory/)
  })
})
