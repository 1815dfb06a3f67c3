/**
 * fleetp end to end on real disk images: built with sfdisk, mkfs.vfat and mkfs.ext4, written by
 * the real CLI, read back with mtools and fsck.fat (independent of the balena-image-fs code
 * that wrote them). No drive is written: this machine has no removable drive.
 */
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseNodeConfig } from '../../node/config/index.js'
import { getKeys, listDrives, readCredentials, sha256File } from '../../node/provision/index.js'
import { mtoolsList, mtoolsRead, sha256Range } from '../support/disk-image.js'
import { CASE_TIMEOUT_MS, dietpiImage, fleetp, raspiosImage, testToken } from './fleetp-support.js'
import type { DiskImage } from '../support/disk-image.js'
import type { AddressInfo } from 'node:net'

const run = promisify(execFile)
let dir = ''
let img: DiskImage
let xzPath = ''
/** A small agent tarball for the cases that do not test packing (npm pack takes seconds). */
let agentTgz = ''
let token = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetp-e2e-'))
  token = await testToken()
  img = await dietpiImage(dir)
  await run('xz', ['-T1', '-k', '-0', img.path])
  xzPath = `${img.path}.xz`
  await writeFile(join(dir, 'token'), token + '\n')
  await writeFile(join(dir, 'package.json'), '{"name":"fleetd","version":"0.0.0-test"}\n')
  agentTgz = join(dir, 'fleetd-test.tgz')
  await run('tar', ['-czf', agentTgz, '-C', dir, 'package.json'])
  await writeFile(join(dir, 'id.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFleetdTestKeyFleetdTestKeyFleetdTestKey0 ops@lab\n')
}, CASE_TIMEOUT_MS)
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

async function bootText (image: string, name: string): Promise<string | undefined> {
  return (await mtoolsRead(image, img.bootOffset, name))?.toString('utf8')
}

/** The key lines of a KEY=value file, comments and blank lines included, minus the given keys. */
function linesWithout (text: string, keys: string[]): string[] {
  return text.split('\n').filter(l => !keys.some(k => l.startsWith(`${k}=`)))
}

describe('fleetp provision on a DietPi image', () => {
  it('writes, verifies and presets a card: every key, every file, nothing else touched, no plaintext password', async () => {
    const out = join(dir, 'card.img')
    const creds = join(dir, 'creds.json')
    const r = await fleetp(['provision', '-device', out, '-image-url', `file://${xzPath}`, '-token-file', join(dir, 'token'),
      '-wifi-ssid', "Lab 'north' $net", '-wifi-pass', 'p@ss w0rd\'$x', '-wifi-country', 'DE', '-ssh-key', join(dir, 'id.pub'),
      '-hostname', 'pi-lab', '-label', 'site=lab', '-credentials', creds, '-plugin', 'docker', '--json'])
    expect(r.stderr).toContain(`${out}: verify 100%`)
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as { cards: Array<{ ok: boolean, deviceId: string, password: string, hostname: string, sha256: string }> }
    const card = report.cards[0]!
    expect(card).toMatchObject({ ok: true, hostname: 'pi-lab' })
    expect(card.password).toBe(`fleetd-${card.deviceId.slice(0, 8)}`)
    expect(card.sha256).toBe(await sha256File(img.path))

    const original = await readFile(join('test/fixtures/provision/dietpi.txt'), 'utf8')
    const edited = (await bootText(out, 'dietpi.txt'))!
    expect(getKeys(edited, 'AUTO_SETUP_AUTOMATED')).toEqual(['1'])
    expect(getKeys(edited, 'AUTO_SETUP_NET_HOSTNAME')).toEqual(['pi-lab'])
    expect(getKeys(edited, 'AUTO_SETUP_NET_WIFI_ENABLED')).toEqual(['1'])
    expect(getKeys(edited, 'AUTO_SETUP_NET_WIFI_COUNTRY_CODE')).toEqual(['DE'])
    expect(getKeys(edited, 'AUTO_SETUP_SSH_PUBKEY')).toEqual(['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFleetdTestKeyFleetdTestKeyFleetdTestKey0 ops@lab'])
    expect(getKeys(edited, 'SOFTWARE_DISABLE_SSH_PASSWORD_LOGINS')).toEqual(['1'])
    expect(getKeys(edited, 'AUTO_SETUP_CUSTOM_SCRIPT_EXEC')).toEqual(['0'])
    expect(getKeys(edited, 'AUTO_SETUP_APT_INSTALLS')).toEqual(['curl ca-certificates xz-utils'])
    const throwaway = getKeys(edited, 'AUTO_SETUP_GLOBAL_PASSWORD')
    expect(throwaway).toHaveLength(1)
    expect(throwaway[0]).not.toBe('dietpi')
    expect(throwaway[0]).not.toBe(card.password)
    // In place: every other line — comments, blank lines, unrelated keys — is unchanged and in order.
    const changed = ['AUTO_SETUP_AUTOMATED', 'AUTO_SETUP_NET_HOSTNAME', 'AUTO_SETUP_NET_WIFI_ENABLED', 'AUTO_SETUP_NET_WIFI_COUNTRY_CODE', 'AUTO_SETUP_SSH_PUBKEY',
      'SOFTWARE_DISABLE_SSH_PASSWORD_LOGINS', 'AUTO_SETUP_CUSTOM_SCRIPT_EXEC', 'AUTO_SETUP_APT_INSTALLS', 'AUTO_SETUP_GLOBAL_PASSWORD', 'AUTO_SETUP_BOOT_WAIT_FOR_NETWORK']
    expect(linesWithout(edited, changed)).toEqual(linesWithout(original, changed))
    expect(getKeys(edited, 'CONFIG_PROXY_PORT')).toEqual(['8080'])
    // The new key lands right after DietPi's commented example, not at the end.
    const lines = edited.split('\n')
    expect(lines[lines.findIndex(l => l.startsWith('#AUTO_SETUP_SSH_PUBKEY=')) + 1]).toMatch(/^AUTO_SETUP_SSH_PUBKEY=ssh-ed25519 /)

    const wifi = (await bootText(out, 'dietpi-wifi.txt'))!
    // Sourced by bash: the quoting must give back the exact values.
    await writeFile(join(dir, 'wifi.txt'), wifi)
    const { stdout: sourced } = await run('bash', ['-c', 'source "$1"; printf "%s\\n%s\\n%s" "${aWIFI_SSID[0]}" "${aWIFI_KEY[0]}" "${aWIFI_KEY[1]}"', '_', join(dir, 'wifi.txt')])
    expect(sourced).toBe("Lab 'north' $net\np@ss w0rd'$x\n")

    const config = parseNodeConfig((await bootText(out, 'fleetd-config.json'))!)
    expect(config).toEqual({ version: 1, name: 'pi-lab', labels: { site: 'lab', 'provision-id': card.deviceId, 'plugin-docker': 'on' }, tokenFile: '/var/lib/fleetd/token' })
    expect((await bootText(out, 'fleetd-token'))!.trim()).toBe(token)
    const script = (await bootText(out, 'Automation_Custom_Script.sh'))!
    // The default agent: this fleetp's own package, packed and carried on the card (no registry name trusted).
    expect(script).toContain("npm install -g --omit=dev '/boot/fleetd-agent.tgz'")
    const tgz = join(dir, 'agent-from-card.tgz')
    await writeFile(tgz, (await mtoolsRead(out, img.bootOffset, 'fleetd-agent.tgz'))!)
    const listing = (await run('tar', ['-tzf', tgz])).stdout.split('\n')
    expect(listing).toContain('package/package.json')
    expect(listing).toContain('package/dist/bundle/fleet-node.mjs')
    expect(script).toContain('ExecStart=/usr/local/bin/fleet-node join --config /var/lib/fleetd/config.json')
    expect(script).toContain('systemctl enable --now fleet-node.service')
    expect(script).toContain('https://get.docker.com')
    await run('bash', ['-n', '-c', script])
    const pre = (await bootText(out, 'Automation_Custom_PreScript.sh'))!
    const hash = /root:(\$6\$[^']+)'/.exec(pre)?.[1]
    expect(hash).toBeDefined()
    // The hash on the card is the password's, checked by an independent crypt (OpenSSL).
    const salt = hash!.split('$')[2]!
    expect((await run('openssl', ['passwd', '-6', '-salt', salt, card.password])).stdout.trim()).toBe(hash)

    // Untouched: other boot files byte for byte, the root partition, and the FAT is clean.
    expect(await mtoolsRead(out, img.bootOffset, 'config.txt')).toEqual(await mtoolsRead(img.path, img.bootOffset, 'config.txt'))
    expect(await mtoolsRead(out, img.bootOffset, 'bcm2711-rpi-4-b.dtb')).toEqual(await mtoolsRead(img.path, img.bootOffset, 'bcm2711-rpi-4-b.dtb'))
    expect(await mtoolsRead(out, img.bootOffset, 'overlays/README')).toEqual(await mtoolsRead(img.path, img.bootOffset, 'overlays/README'))
    expect(await mtoolsList(out, img.bootOffset)).toEqual(['Automation_Custom_PreScript.sh', 'Automation_Custom_Script.sh', 'bcm2711-rpi-4-b.dtb', 'cmdline.txt', 'config.txt',
      'dietpi-wifi.txt', 'dietpi.txt', 'fleetd-agent.tgz', 'fleetd-config.json', 'fleetd-token', 'overlays/README'])
    expect(await sha256Range(out, img.rootOffset, img.rootBytes)).toBe(await sha256Range(img.path, img.rootOffset, img.rootBytes))
    await fsckBoot(out)

    // The password: never on the card in plaintext, shown once, kept 0600 on this machine.
    const whole = await readFile(out)
    expect(whole.includes(Buffer.from(card.password))).toBe(false)
    expect((await stat(creds)).mode & 0o777).toBe(0o600)
    expect(await readCredentials(creds)).toMatchObject([{ deviceId: card.deviceId, password: card.password, hostname: 'pi-lab', users: ['root', 'dietpi'] }])
  }, CASE_TIMEOUT_MS)

  it('bulk: three image files written at once, each verified and each its own device', async () => {
    const outs = [1, 2, 3].map(i => join(dir, `bulk-${i}.img`))
    const r = await fleetp(['provision', ...outs.flatMap(o => ['--device', o]), '--image-url', xzPath, '--token', token,
      '--hostname', 'rack', '--agent-package', agentTgz, '--credentials', join(dir, 'bulk-creds.json'), '--json'])
    expect(r.code, r.stderr).toBe(0)
    const cards = (JSON.parse(r.stdout) as { cards: Array<{ target: string, ok: boolean, deviceId: string, hostname: string }> }).cards
    expect(cards.map(c => c.ok)).toEqual([true, true, true])
    expect(new Set(cards.map(c => c.deviceId)).size).toBe(3)
    for (const [i, out] of outs.entries()) {
      expect(r.stderr).toContain(`${out}: verify 100%`)
      expect(cards[i]!.hostname).toBe(`rack-${cards[i]!.deviceId.slice(0, 8)}`)
      expect(getKeys((await bootText(out, 'dietpi.txt'))!, 'AUTO_SETUP_NET_HOSTNAME')).toEqual([cards[i]!.hostname])
      expect(await sha256Range(out, img.rootOffset, img.rootBytes)).toBe(await sha256Range(img.path, img.rootOffset, img.rootBytes))
      await fsckBoot(out)
    }
    expect(await readCredentials(join(dir, 'bulk-creds.json'))).toHaveLength(3)
  }, CASE_TIMEOUT_MS)

  it('downloads over HTTP with the published .sha256, caches it, and refuses a mismatch (deleting the bad file)', async () => {
    const xz = await readFile(xzPath)
    const sum = await sha256File(xzPath)
    const hits: string[] = []
    let publishedSum = sum
    const server = createServer((req, res) => {
      hits.push(`${req.method ?? ''} ${req.url ?? ''}`)
      if (req.url === '/img/dietpi.img.xz') { res.writeHead(200, { 'content-length': xz.length }); res.end(req.method === 'HEAD' ? undefined : xz); return }
      if (req.url === '/img/dietpi.img.xz.sha256') { res.end(`${publishedSum}  dietpi.img.xz\n`); return }
      res.writeHead(404).end()
    })
    await new Promise<void>(res => server.listen(0, '127.0.0.1', res))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/img/dietpi.img.xz`
    const cache = join(dir, 'cache')
    try {
      const first = await fleetp(['provision', '-device', join(dir, 'dl.img'), '-image-url', url, '-cache-dir', cache, '-token', token, '-agent-package', agentTgz, '-credentials', join(dir, 'dl-creds.json')])
      expect(first.code, first.stderr).toBe(0)
      expect(first.stdout).toContain(`sha256 ${sum.slice(0, 16)}… from sidecar)`)
      expect(hits.filter(h => h === 'GET /img/dietpi.img.xz')).toHaveLength(1)
      const second = await fleetp(['provision', '-device', join(dir, 'dl2.img'), '-image-url', url, '-cache-dir', cache, '-token', token, '-agent-package', agentTgz, '-credentials', join(dir, 'dl-creds.json')])
      expect(second.code, second.stderr).toBe(0)
      expect(second.stdout).toContain('cached)')
      expect(hits.filter(h => h === 'GET /img/dietpi.img.xz')).toHaveLength(1)
      publishedSum = 'f'.repeat(64)
      const bad = await fleetp(['provision', '-device', join(dir, 'dl3.img'), '-image-url', url.replace('dietpi', 'dietpi'), '-cache-dir', join(dir, 'cache2'), '-token', token, '-agent-package', agentTgz, '-credentials', join(dir, 'dl-creds.json')])
      expect(bad.code).toBe(1)
      expect(bad.stderr).toMatch(/published checksum says f{64}.*nothing was written.*\[FLEET_ERR_IMAGE_CHECKSUM\]/)
      await expect(stat(join(dir, 'dl3.img'))).rejects.toThrow()
    } finally {
      server.close()
    }
  }, CASE_TIMEOUT_MS)
})

describe('fleetp provision on a Raspberry Pi OS image', () => {
  it('writes firstrun.sh in the shape of Imager, appends to cmdline.txt in place, carries only the derived Wi-Fi PSK', async () => {
    const rimg = await raspiosImage(await mkdtemp(join(dir, 'raspios-')))
    const out = join(dir, 'raspios.img')
    const r = await fleetp(['provision', '-device', out, '-os', 'raspios', '-image-url', rimg.path, '-token', token, '-wifi-ssid', 'lab', '-wifi-pass', 'correct horse battery',
      '-hostname', 'pi-os', '-agent-package', agentTgz, '-credentials', join(dir, 'rpi-creds.json')])
    expect(r.code, r.stderr).toBe(0)
    const cmdline = (await mtoolsRead(out, rimg.bootOffset, 'cmdline.txt'))!.toString()
    const before = (await mtoolsRead(rimg.path, rimg.bootOffset, 'cmdline.txt'))!.toString().trim()
    expect(cmdline).toBe(`${before} systemd.run=/boot/firmware/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target\n`)
    const firstrun = (await mtoolsRead(out, rimg.bootOffset, 'firstrun.sh'))!.toString()
    await run('bash', ['-n', '-c', firstrun])
    expect(firstrun).toContain("/usr/lib/userconf-pi/userconf 'fleetd' '$6$")
    // The PSK, derived by an independent PBKDF2 (OpenSSL's): PBKDF2-SHA1(passphrase, ssid, 4096, 32 bytes).
    const { stdout: psk } = await run('openssl', ['kdf', '-keylen', '32', '-kdfopt', 'digest:SHA1', '-kdfopt', 'pass:correct horse battery', '-kdfopt', 'salt:lab', '-kdfopt', 'iter:4096', 'PBKDF2'])
    expect(firstrun).toContain(`psk=${psk.trim().replaceAll(':', '').toLowerCase()}\n`)
    const whole = await readFile(out)
    expect(whole.includes(Buffer.from('correct horse battery'))).toBe(false)
    expect((await mtoolsRead(out, rimg.bootOffset, 'fleetd-install.sh'))!.toString()).toContain('systemctl enable --now fleet-node.service')
    expect(await mtoolsRead(out, rimg.bootOffset, 'config.txt')).toEqual(await mtoolsRead(rimg.path, rimg.bootOffset, 'config.txt'))
    await fsckBoot(out, rimg)
  }, CASE_TIMEOUT_MS)
})

describe('fleetp refuses clearly', () => {
  it('the system disk of this machine, even in a dry run (real drivelist)', async () => {
    const system = (await listDrives()).find(d => d.isSystem)?.device
    if (system == null) return expect.fail('drivelist shows no system disk on this machine')
    const r = await fleetp(['provision', '-device', system, '-image-url', xzPath, '-token', token, '--dry-run', '--force'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`${system} .*is a system disk of this machine; fleetp never writes it.*\\[FLEET_ERR_PROVISION_SYSTEM_DISK\\]`))
  }, CASE_TIMEOUT_MS)

  it('an image that fails its checksum: nothing written', async () => {
    const out = join(dir, 'never.img')
    const r = await fleetp(['provision', '-device', out, '-image-url', `file://${xzPath}`, '-image-sha256', '0'.repeat(64), '-token', token, '-agent-package', agentTgz])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('[FLEET_ERR_IMAGE_CHECKSUM]')
    await expect(stat(out)).rejects.toThrow()
  }, CASE_TIMEOUT_MS)

  it('Wi-Fi passwords outside 8-63 characters (64 hex digits are a raw PSK and pass)', async () => {
    for (const pass of ['short12', 'x'.repeat(64), 'é'.repeat(10)]) {
      const r = await fleetp(['provision', '-device', join(dir, 'w.img'), '-image-url', xzPath, '-token', token, '-wifi-ssid', 'lab', '-wifi-pass', pass, '--dry-run'])
      expect(r.code, pass).toBe(1)
      expect(r.stderr).toMatch(/wifi\.pass: a Wi-Fi password has 8-63 printable ASCII characters, or is exactly 64 hex digits \[FLEET_ERR_PROVISION_OPTION\]/)
    }
    const ok = await fleetp(['provision', '-device', join(dir, 'w.img'), '-image-url', xzPath, '-token', token, '-wifi-ssid', 'lab', '-wifi-pass', 'a'.repeat(64), '--dry-run'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain('dry run: nothing was written')
    await expect(stat(join(dir, 'w.img'))).rejects.toThrow()
  }, CASE_TIMEOUT_MS)

  it('no token, a bad token, and a source image named as its own target', async () => {
    const none = await fleetp(['provision', '-device', join(dir, 'x.img'), '-image-url', xzPath])
    expect(none).toMatchObject({ code: 2 })
    expect(none.stderr).toContain('-token is required')
    const bad = await fleetp(['provision', '-device', join(dir, 'x.img'), '-image-url', xzPath, '-token', token.slice(0, -3)])
    expect(bad.stderr).toContain('[FLEET_ERR_BAD_TOKEN]')
    const copy = join(dir, 'self.img')
    await copyFile(img.path, copy)
    const self = await fleetp(['provision', '-device', copy, '-image-url', copy, '-token', token, '-agent-package', agentTgz])
    expect(self.stderr).toContain('is the source image itself')
  }, CASE_TIMEOUT_MS)
})

async function fsckBoot (image: string, layout: DiskImage = img): Promise<void> {
  const part = `${image}.boot`
  await run('dd', [`if=${image}`, `of=${part}`, 'bs=1M', `skip=${layout.bootOffset / 1048576}`, `count=${layout.bootBytes / 1048576}`, 'status=none'])
  try {
    const { stdout } = await run('fsck.vfat', ['-n', part])
    expect(stdout).not.toMatch(/differ|Invalid|wrong|Truncating|Fixing/)
  } finally {
    await rm(part, { force: true })
  }
}

describe('fleetp list (real drivelist; this machine has no removable drive)', () => {
  it('hides the system disk unless --all, in text and --json', async () => {
    const shown = await fleetp(['list', '--json'])
    expect(shown.code, shown.stderr).toBe(0)
    expect((JSON.parse(shown.stdout) as Array<{ isSystem: boolean }>).some(d => d.isSystem)).toBe(false)
    const all = await fleetp(['list', '-json', '--all'])
    const drives = JSON.parse(all.stdout) as Array<{ device: string, isSystem: boolean, size: number | null }>
    const system = drives.find(d => d.isSystem)
    expect(system).toBeDefined()
    const text = await fleetp(['list', '-all'])
    expect(text.stdout).toMatch(/^DEVICE\s+SIZE\s+MODEL\s+KIND\s+MOUNTED\n/)
    expect(text.stdout).toMatch(new RegExp(`${system!.device}\\s+\\S+ \\S+\\s+.*SYSTEM.*\\s/`))
  }, CASE_TIMEOUT_MS)
})
