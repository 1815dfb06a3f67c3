import { randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, join } from 'node:path'
import { parseJoinToken } from '../../fleet/index.js'
import {
  DEFAULT_IMAGE_URLS, defaultCredentialsPath, formatBytes, listDrives, newSecret, packOwnPackage, parseSshKeys, provision, validateProvisionOptions
} from '../../provision/index.js'
import { systemClock } from '../../ports/index.js'
import { FLEETD_VERSION } from '../../version.js'
import { parseFlags, parseKeyValues, UsageError } from '../args.js'
import { normaliseLongFlags } from './fleetp-flags.js'
import type { DriveInfo, Plugin, ProvisionReport, TargetProgress } from '../../provision/index.js'

export const PROVISION_HELP = `Usage: fleetp provision -device PATH [-device PATH…] -token T [options]

Writes an OS image to SD cards or image files (several at once), verifies each by reading it
back, then edits the boot partition so the device joins Wi-Fi, installs fleet-node with this
fleet's token and config, and appears in the fleet. Flags take one dash or two.

Targets and image:
  -device PATH          a drive from 'fleetp list' or an image file (created); repeatable
  -os OS                dietpi (default), raspios or custom
  -image-url URL        http(s) URL, file:// URL or local path of the image (.img, .img.xz, .img.gz);
                        default: the latest image of the OS
  -image-sha256 HEX     expected SHA-256 of the image file; for downloads the default is the
                        publisher's <url>.sha256, and a download without a checksum is refused
  -cache-dir DIR        download cache (default ~/.cache/fleetd/images)
  --force               write drives that are mounted (never a system disk)
  --dry-run             check everything and show what would be written; write nothing

Device setup:
  -token T              the fleet's join token from 'fleets token create' (or -token-file F,
                        or FLEETD_TOKEN); required: a node without it cannot join
  -wifi-ssid S          Wi-Fi network (omit for Ethernet only)
  -wifi-pass P          Wi-Fi password: 8-63 characters or 64 hex digits (or FLEETP_WIFI_PASS)
  -wifi-country CC      Wi-Fi regulatory country (default GB)
  -ssh-key FILE         SSH public key(s) for login; password logins over SSH are then disabled
  -hostname H           hostname (default fleet-<id>; with several targets H-<id>)
  -label K=V            node label, repeatable
  -bootstrap ADDR       peer multiaddr the node keeps connected, repeatable
  -plugin NAME          k3s or docker, repeatable
  -plugin-opt K=V       k3s.role=server|agent, k3s.token=T, k3s.server=https://IP:6443
  -agent-package SPEC   what the device installs with npm: a local .tgz (copied onto the card) or
                        an npm spec; default: this fleetp's own package, packed and copied
                        (fleetd ${FLEETD_VERSION}, installed offline, no registry name trusted)
  -node-version V       Node.js the device installs (default ${process.versions.node})
  -credentials FILE     where passwords are kept, 0600 (default ~/.config/fleetd/credentials.json)
  --json                print the report as JSON

Each device's login password is fleetd-<first 8 characters of its device id>. It is printed
once, here, and kept only in the credentials file; the card carries only its hash.
`

const OPTIONS = {
  device: { type: 'string', multiple: true },
  os: { type: 'string' },
  'image-url': { type: 'string' },
  'image-sha256': { type: 'string' },
  'cache-dir': { type: 'string' },
  force: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'wifi-ssid': { type: 'string' },
  'wifi-pass': { type: 'string' },
  'wifi-country': { type: 'string' },
  'ssh-key': { type: 'string', multiple: true },
  hostname: { type: 'string' },
  label: { type: 'string', multiple: true },
  bootstrap: { type: 'string', multiple: true },
  plugin: { type: 'string', multiple: true },
  'plugin-opt': { type: 'string', multiple: true },
  'agent-package': { type: 'string' },
  'node-version': { type: 'string' },
  credentials: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

export interface ProvisionCommandDeps { drives(): Promise<DriveInfo[]> }

export async function fleetpProvisionCommand (argv: string[], deps: ProvisionCommandDeps = { drives: listDrives }): Promise<number> {
  const { values } = parseFlags('provision', normaliseLongFlags(argv), OPTIONS)
  if (values.help === true) { process.stdout.write(PROVISION_HELP); return 0 }
  const os = values.os ?? 'dietpi'
  if (os !== 'dietpi' && os !== 'raspios' && os !== 'custom') throw new UsageError(`-os must be dietpi, raspios or custom, got '${os}'`, 'provision')
  if (os === 'custom' && values['image-url'] == null) throw new UsageError('-os custom needs -image-url', 'provision')
  const token = await readToken(values.token, values['token-file'])
  parseJoinToken(token)
  const wifiPass = values['wifi-pass'] ?? (process.env.FLEETP_WIFI_PASS === '' ? undefined : process.env.FLEETP_WIFI_PASS)
  if ((values['wifi-ssid'] == null) !== (wifiPass == null)) throw new UsageError('give -wifi-ssid and -wifi-pass together (or neither, for Ethernet only)', 'provision')
  const sshKeys: string[] = []
  for (const file of values['ssh-key'] ?? []) {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => { throw new UsageError(`cannot read -ssh-key ${file}: ${err.code ?? err.message}`, 'provision') })
    sshKeys.push(...parseSshKeys(text, file))
  }
  const given = values['agent-package']
  const localTgz = given != null && /\.tgz$/.test(given) && await stat(given).then(s => s.isFile(), () => false)
  // Default: this fleetp's own package, packed (not a registry name: see agent-tarball.ts). A dry run only names it.
  const agentTarballPath = localTgz ? given : given == null && values['dry-run'] !== true ? await packOwnPackage() : undefined
  const agentPackage = given ?? (agentTarballPath != null ? basename(agentTarballPath) : `fleetd-${FLEETD_VERSION}.tgz (packed from this fleetp)`)
  const options = validateProvisionOptions({
    os,
    token,
    ...(values['wifi-ssid'] != null && wifiPass != null ? { wifi: { ssid: values['wifi-ssid'], pass: wifiPass, ...(values['wifi-country'] != null ? { country: values['wifi-country'] } : {}) } } : {}),
    ...(values.hostname != null ? { hostname: values.hostname } : {}),
    sshKeys,
    bootstrap: values.bootstrap ?? [],
    labels: parseKeyValues('provision', 'label', values.label),
    plugins: parsePlugins(values.plugin ?? [], parseKeyValues('provision', 'plugin-opt', values['plugin-opt'])),
    agentPackage,
    nodeVersion: values['node-version'] ?? process.versions.node
  })
  const credentialsFile = values.credentials ?? defaultCredentialsPath()
  const json = values.json === true
  const progress = progressPrinter()
  const report = await provision({
    targets: values.device ?? [],
    options,
    image: {
      source: values['image-url'] ?? DEFAULT_IMAGE_URLS[os as 'dietpi' | 'raspios'],
      ...(values['image-sha256'] != null ? { sha256: values['image-sha256'] } : {}),
      cacheDir: values['cache-dir'] ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'fleetd', 'images')
    },
    credentialsFile,
    force: values.force === true,
    dryRun: values['dry-run'] === true,
    ...(agentTarballPath != null ? { agentTarballPath } : {})
  }, { clock: systemClock(), randomBytes: n => randomBytes(n), drives: async () => await deps.drives(), onProgress: progress, onDownload: e => { progress({ path: 'download', phase: 'write', bytes: e.bytes, ...(e.totalBytes != null ? { totalBytes: e.totalBytes } : {}) }) } })
  process.stdout.write(json ? JSON.stringify(jsonReport(report, credentialsFile), null, 2) + '\n' : textReport(report, credentialsFile))
  return report.cards.every(c => c.ok) ? 0 : 1
}

async function readToken (token: string | undefined, tokenFile: string | undefined): Promise<string> {
  if (token != null && tokenFile != null) throw new UsageError('give either -token or -token-file, not both', 'provision')
  if (tokenFile != null) {
    return await readFile(tokenFile, 'utf8').catch((err: NodeJS.ErrnoException) => { throw new UsageError(`cannot read -token-file ${tokenFile}: ${err.code ?? err.message}`, 'provision') })
  }
  const text = token ?? process.env.FLEETD_TOKEN
  if (text == null || text.trim() === '') throw new UsageError('-token is required: a device without the fleet\'s join token cannot join (get one with fleets token create)', 'provision')
  return text.trim()
}

/** `-plugin k3s -plugin-opt k3s.role=server` → a plugin spec; a k3s server without a token gets a fresh one. */
function parsePlugins (names: readonly string[], opts: Record<string, string>): Plugin[] {
  for (const key of Object.keys(opts)) {
    const [plugin] = key.split('.')
    if (!names.includes(plugin ?? '')) throw new UsageError(`-plugin-opt ${key}: plugin '${plugin ?? ''}' is not enabled; add -plugin ${plugin ?? ''}`, 'provision')
  }
  return names.map(name => {
    if (name === 'docker') return { name: 'docker' }
    if (name !== 'k3s') throw new UsageError(`-plugin must be k3s or docker, got '${name}'`, 'provision')
    const role = opts['k3s.role'] ?? 'agent'
    if (role === 'server') return { name: 'k3s', role: 'server', token: opts['k3s.token'] ?? newSecret(n => randomBytes(n)) }
    if (role !== 'agent') throw new UsageError(`-plugin-opt k3s.role must be server or agent, got '${role}'`, 'provision')
    if (opts['k3s.server'] == null || opts['k3s.token'] == null) throw new UsageError('a k3s agent needs -plugin-opt k3s.server=https://IP:6443 and -plugin-opt k3s.token=T (the token is in the credentials file of the server\'s provisioning)', 'provision')
    return { name: 'k3s', role: 'agent', token: opts['k3s.token'], server: opts['k3s.server'] }
  })
}

/** One line per target and phase change, then at most one per second (stderr, so --json stays clean). */
function progressPrinter (): (e: TargetProgress) => void {
  const lastPhase = new Map<string, string>()
  return e => {
    const pct = e.totalBytes != null && e.totalBytes > 0 ? ` ${Math.floor(e.bytes / e.totalBytes * 100)}%` : ''
    const rate = e.bytesPerSecond != null ? ` ${formatBytes(e.bytesPerSecond)}/s` : ''
    const err = e.error != null ? `: ${e.error.message}` : ''
    if (lastPhase.get(e.path) === e.phase && e.phase !== 'write' && e.phase !== 'verify') return
    lastPhase.set(e.path, e.phase)
    process.stderr.write(`${e.path}: ${e.phase}${pct} ${formatBytes(e.bytes)}${rate}${err}\n`)
  }
}

function textReport (r: ProvisionReport, credentialsFile: string): string {
  const out = [`image ${r.image.path}${r.image.sha256 != null ? ` (sha256 ${r.image.sha256.slice(0, 16)}… from ${r.image.checksumFrom}${r.image.cached ? ', cached' : ''})` : ' (no checksum given: not verified against a published one)'}`]
  if (r.dryRun) out.push('dry run: nothing was written')
  for (const c of r.cards) {
    out.push(`${c.target}: ${c.ok ? (r.dryRun ? 'would write' : 'ok') : `FAILED: ${c.error?.message ?? 'unknown error'}${(c.error as { code?: string } | undefined)?.code != null ? ` [${(c.error as { code?: string }).code}]` : ''}`}`)
    out.push(`  hostname ${c.identity.hostname}  device id ${c.identity.deviceId}`)
    if (c.ok && !r.dryRun) out.push(`  login password ${c.identity.password}  (shown once; kept in ${credentialsFile})`)
    out.push(`  boot files: ${c.files.join(', ')}`)
    if (c.write != null && c.ok) out.push(`  written and verified ${formatBytes(c.write.bytes)} (write ${(c.write.writeMs / 1000).toFixed(1)} s, verify ${(c.write.verifyMs / 1000).toFixed(1)} s)`)
  }
  if (r.k3sToken != null && !r.dryRun) out.push(`k3s cluster token kept in ${credentialsFile}; provision agents with -plugin-opt k3s.token=<it>`)
  out.push(...r.notes)
  return out.join('\n') + '\n'
}

function jsonReport (r: ProvisionReport, credentialsFile: string): unknown {
  return {
    image: r.image, imageBytes: r.imageBytes, dryRun: r.dryRun, credentialsFile, notes: r.notes,
    cards: r.cards.map(c => ({
      target: c.target, kind: c.kind, ok: c.ok, hostname: c.identity.hostname, deviceId: c.identity.deviceId,
      ...(c.ok && !r.dryRun ? { password: c.identity.password } : {}),
      files: c.files, bytes: c.write?.bytes, sha256: c.write?.sha256, writeMs: c.write?.writeMs, verifyMs: c.write?.verifyMs,
      ...(c.error != null ? { error: { message: c.error.message, code: (c.error as { code?: string }).code } } : {})
    }))
  }
}
