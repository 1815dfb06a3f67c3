/**
 * The plan applier's counterpart for a gateway's children: for a verified plan of an app with
 * runtime `mcu-firmware`, each child is checked against the plan's target and cohort exactly as
 * a device checks itself (node/plans target selector and cohort rule, with the child's id), so
 * a canary phase picks MCUs as it picks any device and the coordinator counts the same ones.
 * A selected child gets the artifact fetched and verified through the node's content store
 * (manifest signature, size, sha256), checked as an image for its chip (an ESP-IDF app image or
 * a FleetD STM32 image, carrying the version the plan names), flashed over its port with `bridgeOta`, and its outcome goes to the node's durable report outbox as the child's
 * own DeviceReport. A rollback plan is the same path to the rollback version.
 */
import { readFile, stat } from 'node:fs/promises'
import { inCohort } from '../../node/plans/cohort.js'
import { planManifest } from '../../node/plans/app-conversion.js'
import { PlanInvalidError } from '../../node/plans/errors.js'
import { deviceGroups, matchesTarget, parseTarget } from '../../node/plans/target-selector.js'
import type { ManifestJson } from '../../content/manifest/index.js'
import type { Logger } from '../../node/logging/index.js'
import { Health } from '../../proto/generated/report.js'
import type { Plan } from '../../proto/index.js'
import { checkEspImage, EspImageError } from '../esp-image/index.js'
import { checkStm32Image, Stm32ImageError } from '../stm32-image/index.js'
import type { ChildRecords } from './child-records.js'
import { FIRMWARE_BYTES_MAX } from './constants.js'
import { ChildFirmwareError } from './errors.js'
import type { ChildApplierComponents, ChildBase, ChildDevice, ChildOutcome } from './index.js'

export const MCU_FIRMWARE_RUNTIME = 'mcu-firmware'

export class ChildApplier {
  private readonly log: Logger
  private queue: Promise<unknown> = Promise.resolve()
  /**
   * One fetch of the artifact per plan, shared by its children: they also get it at the same
   * moment, so a LoRa port sees their updates together and sends one multicast stream.
   */
  private fetching = new Map<string, Promise<Uint8Array>>()
  /** Delta bases read for the current plan, by `app@version`. */
  private readonly bases = new Map<string, Promise<{ image: Uint8Array } | { missing: string }>>()

  constructor (private readonly c: ChildApplierComponents, private readonly records: ChildRecords) {
    this.log = c.logger.forComponent('fleet:gateway')
  }

  /** Acts on one verified plan for every child (plans are queued: one at a time; children in parallel). */
  async apply (plan: Plan): Promise<ChildOutcome[]> {
    const run = this.queue.then(async () => await this.applyNow(plan))
    this.queue = run.catch(() => {})
    return await run
  }

  private async applyNow (plan: Plan): Promise<ChildOutcome[]> {
    if (plan.app?.runtime !== MCU_FIRMWARE_RUNTIME) return []
    const children = this.c.children()
    if (children.length === 0) return []
    let selector
    let wanted: { manifest: ManifestJson, version: string, rollback: boolean }
    try {
      selector = parseTarget(plan.cohort?.target ?? '')
      wanted = planManifest(plan, this.c.manifestFor)
    } catch (err) {
      if (!(err instanceof PlanInvalidError)) throw err
      // The gateway's own applier reports a plan it cannot read; no child can act on it either.
      this.log.warn('plan %s#%d: %s', plan.deploymentId, plan.seq, err.message)
      return []
    }
    try {
      return await this.eachChild(plan, children, selector, wanted)
    } finally {
      this.fetching.clear()
      this.bases.clear()
      await this.keepBases(wanted.manifest.name, selector)
    }
  }

  /**
   * Keeps (pins `child`) the artifact of every version a LoRa child runs, so the next update can
   * be a delta against it, and lets go of versions no child runs any more.
   */
  private async keepBases (app: string, selector: ReturnType<typeof parseTarget>): Promise<void> {
    // The LoRa children this app's deployments target: what they run is a version of this app.
    const lora = this.c.children().filter(c => c.labels.mcu === 'lora' && matchesTarget(selector, { id: c.id, labels: c.labels, groups: deviceGroups(c.labels) }))
    if (this.c.keepForChildren == null || lora.length === 0) return
    const versions = [...new Set(lora.filter(c => c.firmwareVersion !== '').map(c => c.firmwareVersion))].sort()
    try {
      const { pinned, unpinned } = await this.c.keepForChildren(app, versions)
      if (pinned.length > 0 || unpinned.length > 0) this.log.info('delta bases of %s: pinned %s, unpinned %s', app, pinned.join(', ') || 'none', unpinned.join(', ') || 'none')
    } catch (err) {
      this.log.warn('delta bases of %s: cannot update their pins: %s', app, (err as Error).message)
    }
  }

  /** What a LoRa child runs, as bytes from the content store (a delta base), or why not. */
  private async baseOf (app: string, version: string): Promise<ChildBase> {
    if (version === '') return { version, missing: 'the device runs no known version' }
    if (this.c.heldArtifact == null) return { version, missing: 'this gateway has no content store to read bases from' }
    const key = `${app}@${version}`
    let held = this.bases.get(key)
    if (held == null) {
      held = this.c.heldArtifact({ name: app, version }).catch((err: unknown) => ({ missing: `reading ${key} failed: ${(err as Error).message}` }))
      this.bases.set(key, held)
    }
    const found = await held
    return 'image' in found ? { version, image: found.image } : { version, missing: found.missing }
  }

  private async eachChild (plan: Plan, children: ChildDevice[], selector: ReturnType<typeof parseTarget>, wanted: { manifest: ManifestJson, version: string, rollback: boolean }): Promise<ChildOutcome[]> {
    return await Promise.all(children.map(async child => {
      const previous = this.records.get(child.id, plan.deploymentId)
      if (previous != null && plan.seq <= previous.seq) return { childId: child.id, kind: 'skipped', reason: 'already-applied' } as const
      const cohort = plan.cohort
      const identity = { id: child.id, labels: child.labels, groups: deviceGroups(child.labels) }
      const selected = matchesTarget(selector, identity) && cohort != null && inCohort(cohort.phaseBasisPoints, cohort.currentPhase, plan.deploymentId, child.id)
      if (!selected) {
        await this.records.set(child.id, plan.deploymentId, { ...carried(previous), seq: plan.seq, outcome: 'skipped', atMs: this.c.clock.nowMs() })
        return { childId: child.id, kind: 'skipped', reason: matchesTarget(selector, identity) ? 'not-in-cohort' : 'not-targeted' } as const
      }
      return await this.applyToChild(plan, child, wanted, previous?.version)
    }))
  }

  private async applyToChild (plan: Plan, child: ChildDevice, wanted: { manifest: ManifestJson, version: string, rollback: boolean }, previousVersion: string | undefined): Promise<ChildOutcome> {
    const at = { deploymentId: plan.deploymentId, planSeq: plan.seq, deviceId: child.id }
    const record = { seq: plan.seq, version: wanted.version, atMs: this.c.clock.nowMs() }
    // A later phase of the deployment asks the same of a child that already acted: nothing to do
    // (flashing a version that just failed again would only fail again).
    if (previousVersion === wanted.version) {
      await this.records.set(child.id, plan.deploymentId, { ...record, outcome: 'applied' })
      return { childId: child.id, kind: 'unchanged', version: wanted.version }
    }
    if (child.firmwareVersion === wanted.version) {
      await this.records.set(child.id, plan.deploymentId, { ...record, outcome: 'applied' })
      await this.c.outbox.append({ ...at, step: 'switch', health: Health.HEALTHY, appVersion: wanted.version })
      return { childId: child.id, kind: 'already-current', version: wanted.version }
    }
    this.log.info('plan %s#%d: %s %s on %s to %s@%s', plan.deploymentId, plan.seq, wanted.rollback ? 'rolling back' : 'flashing', child.id, child.port, wanted.manifest.name, wanted.version)
    await this.c.outbox.append({ ...at, step: 'target', health: Health.UNKNOWN, appVersion: child.firmwareVersion })
    let image: Uint8Array
    try {
      image = await this.firmware(child, wanted)
    } catch (err) {
      const e = err as Error & { code?: string }
      const final = e instanceof ChildFirmwareError || e instanceof EspImageError || e instanceof Stm32ImageError
      // A fetch that failed (no peer has the blocks yet) is tried again at the next plan or restart.
      if (final) await this.records.set(child.id, plan.deploymentId, { ...record, outcome: 'failed' })
      await this.c.outbox.append({ ...at, step: final ? 'verify' : 'download', health: Health.UNHEALTHY, appVersion: child.firmwareVersion, errorCode: e.code ?? ChildFirmwareError.code, errorMessage: e.message })
      return { childId: child.id, kind: 'failed', code: e.code ?? ChildFirmwareError.code, message: e.message }
    }
    let result
    try {
      const base = child.labels.mcu === 'lora' ? { base: await this.baseOf(wanted.manifest.name, child.firmwareVersion) } : {}
      result = await this.c.flash(child.id, image, wanted.version, base)
    } catch (err) {
      // The port is gone or the modem broke: not final, the next plan or a restart tries again.
      const e = err as Error & { code?: string }
      await this.c.outbox.append({ ...at, step: 'apply', health: Health.UNHEALTHY, appVersion: child.firmwareVersion, errorCode: e.code ?? ChildFirmwareError.code, errorMessage: e.message })
      return { childId: child.id, kind: 'failed', code: e.code ?? ChildFirmwareError.code, message: e.message }
    }
    await this.records.set(child.id, plan.deploymentId, { ...record, outcome: result.ok ? 'applied' : 'failed' })
    await this.c.outbox.append({ ...result.report, ...at })
    if (result.ok) await this.c.markRunning?.(wanted.manifest)
    this.log.info('plan %s#%d: %s %s (running %s)', plan.deploymentId, plan.seq, child.id, result.ok ? 'updated' : `failed: ${result.report.errorMessage ?? ''}`, result.runningVersion || 'nothing')
    return result.ok ? { childId: child.id, kind: 'flashed', version: wanted.version } : { childId: child.id, kind: 'failed', code: result.report.errorCode ?? '', message: result.report.errorMessage ?? '' }
  }

  private async fetch (wanted: { manifest: ManifestJson, version: string }): Promise<Uint8Array> {
    return await readFirmware(await this.c.fetchArtifact(wanted.manifest), wanted)
  }

  /** Fetches and verifies the artifact (signature, size, sha256 in the content store), then checks it as this chip's image. */
  private async firmware (child: ChildDevice, wanted: { manifest: ManifestJson, version: string }): Promise<Uint8Array> {
    const key = `${wanted.manifest.name}@${wanted.version}`
    let fetched = this.fetching.get(key)
    if (fetched == null) {
      fetched = this.fetch(wanted)
      this.fetching.set(key, fetched)
    }
    const image = await fetched
    const info = this.c.deviceInfo(child.id)
    if (child.labels.mcu === 'stm32' && info != null) {
      // The bridge reads a slot's version from the FleetD STM32 header (firmware-bridge/IMAGE.md).
      const stm32 = checkStm32Image(image, { chip: info.chip, minSecureVersion: info.secureVersion })
      if (stm32.version !== wanted.version) {
        throw new ChildFirmwareError(`${wanted.manifest.name}@${wanted.version} holds an STM32 image whose header version is ${stm32.version}; the device would report ${stm32.version} after boot. Wrap the app with fleet-node mcu image --version ${wanted.version}`)
      }
    }
    if (child.labels.mcu === 'esp32' && info != null) {
      const esp = checkEspImage(image, { chipId: info.chip, minSecureVersion: info.secureVersion })
      if (esp.app.version !== wanted.version) {
        throw new ChildFirmwareError(`${wanted.manifest.name}@${wanted.version} holds an ESP-IDF image whose app version is ${esp.app.version}; the device would report ${esp.app.version} after boot. Upload the image under its own version (PROJECT_VER)`)
      }
    }
    return image
  }
}

async function readFirmware (path: string, wanted: { manifest: ManifestJson, version: string }): Promise<Uint8Array> {
  const size = (await stat(path)).size
  if (size > FIRMWARE_BYTES_MAX) throw new ChildFirmwareError(`${wanted.manifest.name}@${wanted.version} is ${size} bytes, over the ${FIRMWARE_BYTES_MAX}-byte firmware limit; is it the right artifact?`)
  return new Uint8Array(await readFile(path))
}

function carried (record: { version?: string } | undefined): { version?: string } {
  return record?.version != null ? { version: record.version } : {}
}
