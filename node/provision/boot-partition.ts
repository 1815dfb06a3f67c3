import { interact } from 'balena-image-fs'
import { FileDisk, withOpenFile } from 'file-disk'
import { getPartitions } from 'partitioninfo'
import { BOOT_FILE_BYTES_MAX } from './constants.js'
import { BootPartitionError } from './errors.js'
import type { BootEdit } from './boot-plan.js'
import type { FileHandle } from 'node:fs/promises'
import type * as NodeFs from 'node:fs'

/** MBR partition types of FAT filesystems (FAT16, FAT32 CHS/LBA, FAT16 LBA). */
const FAT_MBR_TYPES = new Set([0x04, 0x06, 0x0b, 0x0c, 0x0e])
/** GPT types a boot FAT partition carries: EFI system, Microsoft basic data. */
const FAT_GPT_TYPES = new Set(['c12a7328-f81f-11d2-ba4b-00a0c93ec93b', 'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7'])

/**
 * fatfs 0.10 (under balena-image-fs) has three FAT32 bugs that this disk corrects on the way
 * between fatfs and the card, found by reading its output back with mtools and fsck.fat:
 * - it frees a cluster by writing 0x0FFFFF00 (its FAT32 prefix plus "free") instead of 0, so
 *   overwriting any file leaves a FAT that mtools rejects: such entries are written as 0
 *   (0x0FFFFF00 would be a real next-cluster only on a volume of 268 million clusters, checked
 *   against this volume's cluster count before the fix is armed);
 * - it takes only 0x0FFFFFF9-0x0FFFFFFF as end-of-chain, but mkfs.vfat ends the root directory
 *   with 0x0FFFFFF8, so growing the root directory fails with EIO: end-of-chain values are
 *   read as 0x0FFFFFFF;
 * - it updates only the first FAT: writes to it are mirrored to the others, so both copies
 *   agree as fsck expects.
 */
const FAT32_BAD_FREE = 0x0FFFFF00
const FAT32_EOC_MIN = 0x0FFFFFF8
const FAT32_EOC = 0x0FFFFFFF

class BootDisk extends FileDisk {
  private fatStart = -1
  private fatBytes = 0
  private fats = 0
  private fsInfoOffset = -1
  constructor (handle: FileHandle, private readonly size?: number) { super(handle) }
  protected override async _getCapacity (): Promise<number> { return this.size ?? await super._getCapacity() }

  /** Arms the FAT32 fixes for the FAT partition starting at `offset`. */
  async armFat32Fix (offset: number): Promise<void> {
    const bpb = Buffer.alloc(512)
    await this.read(bpb, 0, 512, offset)
    const bytesPerSector = bpb.readUInt16LE(11)
    const fatSize32 = bpb.readUInt32LE(36)
    if (bpb.readUInt16LE(22) !== 0 || fatSize32 === 0 || bytesPerSector === 0) return // FAT12/16: not affected
    const clusters = Math.floor(bpb.readUInt32LE(32) / Math.max(1, bpb.readUInt8(13)))
    if (clusters >= FAT32_BAD_FREE) return
    this.fatStart = offset + bpb.readUInt16LE(14) * bytesPerSector
    this.fatBytes = fatSize32 * bytesPerSector
    this.fats = bpb.readUInt8(16)
    const fsInfoSector = bpb.readUInt16LE(48)
    if (fsInfoSector !== 0 && fsInfoSector !== 0xFFFF) this.fsInfoOffset = offset + fsInfoSector * bytesPerSector
  }

  /**
   * fatfs does not maintain FSInfo's free-cluster count and next-free hint; after our edits
   * they are stale. 0xFFFFFFFF means "unknown" (FAT32 spec), so the OS recounts on mount.
   */
  async invalidateFsInfo (): Promise<void> {
    if (this.fsInfoOffset < 0) return
    const info = Buffer.alloc(512)
    await this.read(info, 0, 512, this.fsInfoOffset)
    if (info.readUInt32LE(0) !== 0x41615252 || info.readUInt32LE(484) !== 0x61417272) return // not an FSInfo sector
    info.writeUInt32LE(0xFFFFFFFF, 488)
    info.writeUInt32LE(0xFFFFFFFF, 492)
    await this.write(info, 0, 512, this.fsInfoOffset)
  }

  /**
   * Calls fn(byte offset in buffer) for each whole cluster entry of the first FAT inside
   * [fileOffset, fileOffset+length). Entries 0 and 1 are skipped: they hold the media byte
   * (0x0FFFFFF8), not a chain.
   */
  private eachEntry (bufferOffset: number, length: number, fileOffset: number, fn: (at: number) => void): boolean {
    if (this.fatStart < 0) return false
    const end = this.fatStart + this.fatBytes
    if (fileOffset >= end || fileOffset + length <= this.fatStart) return false
    const first = Math.max(fileOffset, this.fatStart + 8)
    for (let pos = first + ((4 - (first - this.fatStart) % 4) % 4); pos + 4 <= Math.min(fileOffset + length, end); pos += 4) fn(bufferOffset + pos - fileOffset)
    return true
  }

  protected override async _read (buffer: Buffer, bufferOffset: number, length: number, fileOffset: number): Promise<{ bytesRead: number, buffer: Buffer }> {
    const result = await super._read(buffer, bufferOffset, length, fileOffset)
    this.eachEntry(bufferOffset, result.bytesRead, fileOffset, at => {
      const v = buffer.readUInt32LE(at) & 0x0FFFFFFF
      if (v >= FAT32_EOC_MIN && v < FAT32_EOC) buffer.writeUInt32LE(FAT32_EOC, at)
    })
    return result
  }

  protected override async _write (buffer: Buffer, bufferOffset: number, length: number, fileOffset: number): Promise<{ bytesWritten: number, buffer: Buffer }> {
    const inFat = this.eachEntry(bufferOffset, length, fileOffset, at => {
      if ((buffer.readUInt32LE(at) & 0x0FFFFFFF) === FAT32_BAD_FREE) buffer.writeUInt32LE(0, at)
    })
    const result = await super._write(buffer, bufferOffset, length, fileOffset)
    if (inFat && fileOffset >= this.fatStart && fileOffset + length <= this.fatStart + this.fatBytes) {
      for (let k = 1; k < this.fats; k++) await super._write(buffer, bufferOffset, length, fileOffset + k * this.fatBytes)
    }
    return result
  }
}

type FatFs = typeof NodeFs

/**
 * Opens the first FAT partition of an image or a card (the boot partition of every Raspberry
 * Pi OS) with balena-image-fs — no mount, no root, works the same on a file and a device —
 * and applies the edits. Each edited file is read back through a fresh mount afterwards, so a
 * silent FAT write error cannot leave a card that looks provisioned.
 */
export async function applyBootEdits (path: string, sizeBytes: number | undefined, edits: readonly BootEdit[]): Promise<string[]> {
  const written = new Map<string, Buffer>()
  await withDisk(path, sizeBytes, async disk => {
    const partition = await bootPartition(disk, path)
    await interact(disk, partition, async fs => {
      for (const e of edits) {
        const bytes = e.kind === 'write' ? toBuffer(e.content) : Buffer.from(e.edit(await readBootFile(fs, e.path, path)), 'utf8')
        await mkdirs(fs, e.path)
        await fs.promises.writeFile(`/${e.path}`, bytes)
        written.set(e.path, bytes)
      }
    })
    await disk.invalidateFsInfo()
    await disk.flush()
    await interact(disk, partition, async fs => {
      for (const [p, bytes] of written) {
        const back = await fs.promises.readFile(`/${p}`)
        if (!back.equals(bytes)) throw new BootPartitionError(`${path}: ${p} reads back different from what was written to the boot partition; the card may be failing`)
      }
    })
  })
  return [...written.keys()]
}

/** Reads one file of the boot partition (for tests and `fleetp` checks). */
export async function readBootFile (fs: FatFs, file: string, where: string): Promise<string> {
  let bytes: Buffer
  try {
    bytes = await fs.promises.readFile(`/${file}`)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BootPartitionError(`${where}: the boot partition has no ${file}; is this image the OS given with -os? (use -os custom for other images)`)
    }
    throw new BootPartitionError(`${where}: cannot read ${file} from the boot partition: ${(err as Error).message}`, { cause: err })
  }
  if (bytes.length > BOOT_FILE_BYTES_MAX) throw new BootPartitionError(`${where}: ${file} has ${bytes.length} bytes, more than ${BOOT_FILE_BYTES_MAX}; not the file fleetp expects`)
  return bytes.toString('utf8')
}

async function withDisk<T> (path: string, sizeBytes: number | undefined, fn: (disk: BootDisk) => Promise<T>): Promise<T> {
  return await withOpenFile(path, 'r+', async handle => await fn(new BootDisk(handle, sizeBytes)))
}

async function bootPartition (disk: BootDisk, where: string): Promise<number> {
  let table
  try {
    table = await getPartitions(disk, { includeExtended: false })
  } catch (err) {
    throw new BootPartitionError(`${where}: no partition table found after writing (${(err as Error).message}); is the source a disk image (.img), not a filesystem or an archive?`, { cause: err })
  }
  const fat = table.type === 'mbr'
    ? table.partitions.find(p => FAT_MBR_TYPES.has(p.type))
    : table.partitions.find(p => FAT_GPT_TYPES.has(p.type.toLowerCase()))
  if (fat == null) throw new BootPartitionError(`${where}: the image has no FAT boot partition (${table.type.toUpperCase()}, ${table.partitions.length} partitions); a Raspberry Pi image always has one`)
  await disk.armFat32Fix(fat.offset)
  return fat.index
}

async function mkdirs (fs: FatFs, file: string): Promise<void> {
  const parts = file.split('/').slice(0, -1)
  for (let i = 1; i <= parts.length; i++) {
    const dir = '/' + parts.slice(0, i).join('/')
    try {
      await fs.promises.mkdir(dir)
    } catch (err) {
      // fatfs reports an existing directory as 'EXIST', node as 'EEXIST'.
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'EEXIST' && code !== 'EXIST') throw err
    }
  }
}

function toBuffer (content: string | Uint8Array): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content)
}

/** Reads files of the boot partition of an image, for checks (used by tests and dry runs). */
export async function readBootFiles (path: string, files: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  await withDisk(path, undefined, async disk => {
    const partition = await bootPartition(disk, path)
    await interact(disk, partition, async fs => { for (const f of files) out.set(f, await readBootFile(fs, f, path)) })
  })
  return out
}
