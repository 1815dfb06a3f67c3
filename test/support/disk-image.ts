/**
 * Builds real Raspberry Pi-shaped disk images with Debian's own tools — sfdisk (MBR),
 * mkfs.vfat (FAT32 boot), mkfs.ext4 (root, populated from a directory) and mtools (files into
 * the FAT without mounting) — and reads them back with mtools, an implementation independent
 * of the balena-image-fs code fleetp writes with.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, open, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const SECTOR = 512
const MiB = 1024 * 1024
/** FAT32 needs 65,525 clusters: 40 MiB with 512-byte clusters is comfortably above. */
const BOOT_MIB_MIN = 40
export const FIXTURES = resolve('test/fixtures/provision')

export interface DiskImage {
  path: string
  bootOffset: number
  bootBytes: number
  rootOffset: number
  rootBytes: number
}

export interface DiskImageInit {
  /** Files for the boot partition: name → content (directories are created). */
  bootFiles: Record<string, string | Buffer>
  /** Files for the root filesystem. */
  rootFiles?: Record<string, string>
  bootMiB?: number
  rootMiB?: number
  dir?: string
}

export async function buildDiskImage (init: DiskImageInit): Promise<DiskImage> {
  const dir = init.dir ?? await mkdtemp(join(tmpdir(), 'fleetp-img-'))
  const bootMiB = Math.max(init.bootMiB ?? BOOT_MIB_MIN, BOOT_MIB_MIN)
  const rootMiB = init.rootMiB ?? 16
  const path = join(dir, 'source.img')
  const bootOffset = MiB
  const bootBytes = bootMiB * MiB
  const rootOffset = bootOffset + bootBytes
  const rootBytes = rootMiB * MiB
  const total = rootOffset + rootBytes
  const fh = await open(path, 'w')
  await fh.truncate(total)
  await fh.close()
  const layout = `label: dos\nlabel-id: 0x0e3e2bd3\nstart=${bootOffset / SECTOR}, size=${bootBytes / SECTOR}, type=c\nstart=${rootOffset / SECTOR}, size=${rootBytes / SECTOR}, type=83\n`
  await runWithInput('sfdisk', ['--quiet', path], layout)
  await run('mkfs.vfat', ['-F', '32', '-s', '1', '-n', 'BOOT', '--offset', String(bootOffset / SECTOR), path, String(bootBytes / 1024)])
  const rootDir = join(dir, 'rootfs')
  await mkdir(rootDir, { recursive: true })
  for (const [name, content] of Object.entries(init.rootFiles ?? { 'etc/hostname': 'DietPi\n', 'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' })) {
    await mkdir(join(rootDir, name, '..'), { recursive: true })
    await writeFile(join(rootDir, name), content)
  }
  await run('mkfs.ext4', ['-q', '-F', '-L', 'rootfs', '-d', rootDir, '-E', `offset=${rootOffset}`, path, `${rootBytes / 1024}k`])
  const staged = join(dir, 'boot-staged')
  for (const [name, content] of Object.entries(init.bootFiles)) {
    const parts = name.split('/')
    for (let i = 1; i < parts.length; i++) await run('mmd', ['-D', 's', '-i', `${path}@@${bootOffset}`, `::/${parts.slice(0, i).join('/')}`]).catch(() => {})
    await mkdir(join(staged, name, '..'), { recursive: true })
    await writeFile(join(staged, name), content)
    await run('mcopy', ['-o', '-i', `${path}@@${bootOffset}`, join(staged, name), `::/${name}`])
  }
  return { path, bootOffset, bootBytes, rootOffset, rootBytes }
}

/** Reads one file of the FAT partition at `offset` with mtools; undefined when it does not exist. */
export async function mtoolsRead (image: string, offset: number, name: string): Promise<Buffer | undefined> {
  try {
    const { stdout } = await run('mtype', ['-i', `${image}@@${offset}`, `::/${name}`], { encoding: 'buffer', maxBuffer: 64 * MiB })
    return stdout
  } catch {
    return undefined
  }
}

/** Lists every file of the FAT partition (recursive, paths relative to its root). */
export async function mtoolsList (image: string, offset: number): Promise<string[]> {
  const { stdout } = await run('mdir', ['-/', '-b', '-i', `${image}@@${offset}`, '::/'])
  return stdout.split('\n').map(l => l.trim()).filter(l => l !== '' && !l.endsWith('/')).map(l => l.replace(/^::\//, '')).sort()
}

/** SHA-256 of a byte range of a file (a partition of an image). */
export async function sha256Range (path: string, start: number, length: number): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { start, end: start + length - 1 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function runWithInput (cmd: string, args: string[], input: string): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const child = execFile(cmd, args, (err: Error | null) => { if (err != null) reject(err); else resolvePromise() })
    child.stdin?.end(input)
  })
}
