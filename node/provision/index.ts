/**
 * Provisioning (`fleetp`): writes an OS image to SD cards or image files, several at once,
 * verifies them by reading back, and edits the boot partition so the device boots, joins
 * Wi-Fi, installs `fleet-node` with the fleet's token and config, and appears in the fleet.
 *
 * @example
 * ```ts
 * import { randomBytes } from 'node:crypto'
 * import { listDrives, provision, validateProvisionOptions } from './provision/index.js'
 * const options = validateProvisionOptions({ token: 'fleetd1_…', agentPackage: 'fleetd@0.1.0', nodeVersion: '24.11.0', wifi: { ssid: 'lab', pass: 'correct horse' } })
 * const report = await provision({ targets: ['/tmp/card.img'], options, image: { source: '/tmp/dietpi.img.xz', cacheDir: '/tmp/cache' }, credentialsFile: '/tmp/creds.json' },
 *   { clock: { nowMs: () => Date.now() }, randomBytes, drives: listDrives })
 * console.log(report.cards.map(c => `${c.target}: ${c.identity.password}`))
 * ```
 */
export { provision } from './provision.js'
export { packOwnPackage } from './agent-tarball.js'
export type { CardReport, ProvisionComponents, ProvisionReport, ProvisionRequest } from './provision.js'
export { isValidWifiPass, parseSshKeys, validateProvisionOptions } from './provision-options.js'
export type { Plugin, ProvisionOptions, ProvisionOptionsInput } from './provision-options.js'
export { checkDrive, describe, formatBytes, listDrives, resolveTarget, visibleDrives } from './drives.js'
export type { DriveInfo, ResolvedTarget } from './drives.js'
export { appendCredentials, defaultCredentialsPath, readCredentials } from './credentials.js'
export type { CredentialEntry } from './credentials.js'
export { hashPassword, newDeviceIdentity, newSecret } from './device-identity.js'
export type { DeviceIdentity, RandomBytes } from './device-identity.js'
export { getKeys, setKeys } from './key-value-file.js'
export { cardNodeConfig } from './boot-plan.js'
export type { BootEdit, BootPlan, CardContext } from './boot-plan.js'
export { dietpiBootPlan } from './dietpi.js'
export { raspiosBootPlan, wpaPsk, appendCmdline } from './raspios.js'
export { customBootPlan } from './custom-os.js'
export { applyBootEdits, readBootFiles } from './boot-partition.js'
export { openImage } from './image-stream.js'
export type { ImageStream } from './image-stream.js'
export { resolveImage, sha256File } from './image-source.js'
export type { ResolvedImage } from './image-source.js'
export { writeAndVerify } from './write-targets.js'
export type { TargetProgress, TargetResult, WriteTarget } from './write-targets.js'
export { CHUNK_BYTES, DEFAULT_IMAGE_URLS, TARGETS_MAX } from './constants.js'
export {
  BootPartitionError, ImageChecksumError, ImageSourceError, ProvisionOptionError, SystemDiskError, TargetError, TargetMountedError, VerifyError
} from './errors.js'
