import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { customBootPlan } from './custom-os.js'
import { appendCredentials } from './credentials.js'
import { dietpiBootPlan } from './dietpi.js'
import { checkDrive } from './drives.js'
import { newDeviceIdentity, newSecret } from './device-identity.js'
import { TargetError } from './errors.js'
import { applyBootEdits } from './boot-partition.js'
import { openImage } from './image-stream.js'
import { resolveImage } from './image-source.js'
import { raspiosBootPlan } from './raspios.js'
import { TARGETS_MAX } from './constants.js'
import { resolveTarget } from './drives.js'
import { writeAndVerify } from './write-targets.js'
import type { BootPlan, CardContext } from './boot-plan.js'
import type { CredentialEntry } from './credentials.js'
import type { DeviceIdentity, RandomBytes } from './device-identity.js'
import type { DriveInfo, ResolvedTarget } from './drives.js'
import type { ResolvedImage } from './image-source.js'
import type { ProvisionOptions } from './provision-options.js'
import type { TargetProgress, TargetResult } from './write-targets.js'
import type { AbortOptions, Clock } from '../ports/index.js'

export interface ProvisionRequest {
  targets: readonly string[]
  options: ProvisionOptions
  image: { source: string, sha256?: string, cacheDir: string }
  credentialsFile: string
  /** Write to mounted drives anyway (never to a system disk). */
  force?: boolean
  /** Check everything and print the plan; write nothing. */
  dryRun?: boolean
  /** A local fleetd .tgz copied onto each card and installed from there (options.agentPackage is then only its name). */
  agentTarballPath?: string
}

export interface ProvisionComponents {
  clock: Pick<Clock, 'nowMs'>
  randomBytes: RandomBytes
  drives(): Promise<readonly DriveInfo[]>
  onProgress?(event: TargetProgress): void
  onDownload?(event: { bytes: number, totalBytes?: number }): void
}

export interface CardReport {
  target: string
  kind: 'file' | 'device'
  identity: DeviceIdentity
  ok: boolean
  error?: Error
  files: string[]
  write?: TargetResult
}

export interface ProvisionReport {
  image: ResolvedImage
  imageBytes?: number
  dryRun: boolean
  cards: CardReport[]
  notes: string[]
  k3sToken?: string
}

const PLANNERS: Record<ProvisionOptions['os'], (ctx: CardContext) => BootPlan> = {
  dietpi: dietpiBootPlan,
  raspios: raspiosBootPlan,
  custom: customBootPlan
}

/**
 * The whole run: check every target (system disk, mounted, size) before anything is
 * downloaded or written, fetch and verify the image, stream it to all targets at once with
 * read-back verification, then edit each card's boot partition and record its password in
 * the operator's credentials file. A target that fails does not stop the others.
 */
export async function provision (req: ProvisionRequest, c: ProvisionComponents, options: AbortOptions = {}): Promise<ProvisionReport> {
  if (req.targets.length === 0) throw new TargetError('no -device given; name a drive from fleetp list or an image file to write')
  if (req.targets.length > TARGETS_MAX) throw new TargetError(`${req.targets.length} targets; at most ${TARGETS_MAX} are written at once`)
  let driveCache: Promise<readonly DriveInfo[]> | undefined
  const drives = async (): Promise<readonly DriveInfo[]> => await (driveCache ??= c.drives())
  const resolved: ResolvedTarget[] = []
  for (const t of req.targets) resolved.push(await resolveTarget(t, drives, { force: req.force === true }))
  const paths = resolved.map(r => r.path)
  const dup = paths.find((p, i) => paths.indexOf(p) !== i)
  if (dup != null) throw new TargetError(`${dup} is named twice; give each target once`)

  const image = await resolveImage({ ...req.image, ...(c.onDownload != null ? { onProgress: (e: { bytes: number, totalBytes?: number }) => { c.onDownload?.(e) } } : {}) }, options)
  if (paths.includes(image.path)) throw new TargetError(`${image.path} is the source image itself; write to another file`)
  const stream = req.dryRun === true ? undefined : await openImage(image.path)
  const imageBytes = stream?.sizeBytes
  for (const r of resolved) if (r.kind === 'device') checkDrive(r.path, await drives(), { force: req.force === true, ...(imageBytes != null ? { imageBytes } : {}) })

  const k3s = req.options.plugins.find(p => p.name === 'k3s')
  const k3sToken = k3s?.token ?? undefined
  const agentTarball = req.agentTarballPath != null ? { name: basename(req.agentTarballPath), bytes: await readFile(req.agentTarballPath) } : undefined
  const multi = resolved.length > 1
  const cards = resolved.map(r => {
    const identity = newDeviceIdentity(c.randomBytes, req.options.hostname, multi && req.options.hostname != null)
    const ctx: CardContext = {
      options: req.options, identity, throwawayPassword: newSecret(c.randomBytes, 18),
      ...(k3sToken != null ? { k3sToken } : {}), ...(agentTarball != null ? { agentTarball } : {})
    }
    return { target: r, identity, plan: PLANNERS[req.options.os](ctx) }
  })
  const notes = cards[0]?.plan.notes ?? []
  if (stream == null) {
    return {
      image, dryRun: true, notes, ...(k3sToken != null ? { k3sToken } : {}),
      cards: cards.map(x => ({ target: x.target.path, kind: x.target.kind, identity: x.identity, ok: true, files: x.plan.edits.map(e => e.path) }))
    }
  }

  const results = await writeAndVerify(stream, resolved.map(r => ({ path: r.path, kind: r.kind, force: req.force === true })), {
    clock: c.clock, ...(c.onProgress != null ? { onProgress: (e: TargetProgress) => { c.onProgress?.(e) } } : {})
  }, options)
  const reports: CardReport[] = await Promise.all(cards.map(async (x, i) => {
    const write = results[i]
    if (write == null) throw new Error('unreachable: one result per target')
    const base = { target: x.target.path, kind: x.target.kind, identity: x.identity, write }
    if (!write.ok) return { ...base, ok: false, files: [], ...(write.error != null ? { error: write.error } : {}) }
    try {
      c.onProgress?.({ path: x.target.path, phase: 'customize', bytes: write.bytes })
      const size = x.target.kind === 'device' ? x.target.drive.size ?? undefined : undefined
      const files = await applyBootEdits(x.target.path, size, x.plan.edits)
      c.onProgress?.({ path: x.target.path, phase: 'done', bytes: write.bytes })
      return { ...base, ok: true, files }
    } catch (err) {
      c.onProgress?.({ path: x.target.path, phase: 'failed', bytes: write.bytes, error: err as Error })
      return { ...base, ok: false, files: [], error: err as Error }
    }
  }))
  const entries: CredentialEntry[] = reports.filter(r => r.ok).map(r => ({
    deviceId: r.identity.deviceId, hostname: r.identity.hostname, target: r.target, os: req.options.os,
    users: req.options.os === 'dietpi' ? ['root', 'dietpi'] : req.options.os === 'raspios' ? ['fleetd'] : [],
    password: r.identity.password, createdMs: c.clock.nowMs(), ...(k3sToken != null ? { k3sToken } : {})
  }))
  if (entries.length > 0) await appendCredentials(req.credentialsFile, entries)
  return { image, ...(imageBytes != null ? { imageBytes } : {}), dryRun: false, cards: reports, notes, ...(k3sToken != null ? { k3sToken } : {}) }
}
