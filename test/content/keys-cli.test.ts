/**
 * The real, built `fleets keys` CLI (dist/, made by `npm run build`, which `npm test` runs
 * first) against a temporary --keys-dir: files and modes on disk, output, exit codes.
 */
import { chmod, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FLEETS_CLI, runCli, tempDir } from '../support/fleet-node-proc.js'
import type { CliRun } from '../support/fleet-node-proc.js'


const cli = async (args: string[]): Promise<CliRun> => await runCli(FLEETS_CLI, args, 15_000)

async function keysDir (): Promise<string> {
  return join(await tempDir('keys-cli'), 'keys')
}

describe('fleets keys', () => {
  it('generates a key file (0600 in a 0700 directory) and prints its id and public key', async () => {
    const dir = await keysDir()
    const out = await cli(['keys', 'generate', 'release', '--keys-dir', dir, '--json'])
    expect(out.code).toBe(0)
    const generated = JSON.parse(out.stdout) as { name: string, keyId: string, publicKey: string, file: string }
    expect(generated).toMatchObject({ name: 'release', file: join(dir, 'release.key') })
    expect(generated.keyId).toMatch(/^[0-9a-f]{16}$/)
    expect(Buffer.from(generated.publicKey, 'base64')).toHaveLength(32)
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
    expect((await stat(generated.file)).mode & 0o777).toBe(0o600)
    const file = JSON.parse(await readFile(generated.file, 'utf8')) as { keyId: string, privateKey: string }
    expect(file.keyId).toBe(generated.keyId)
    expect(out.stdout).not.toContain(file.privateKey)

    const text = await cli(['keys', 'generate', 'ci', '--keys-dir', dir])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^generated key ci \(key id [0-9a-f]{16}\) in .*ci\.key\npublic key [A-Za-z0-9+/]{43}=\n$/)
  })

  it('refuses an existing name (exit 1, coded) and an invalid one (exit 2, usage)', async () => {
    const dir = await keysDir()
    expect((await cli(['keys', 'generate', 'release', '--keys-dir', dir])).code).toBe(0)
    const again = await cli(['keys', 'generate', 'release', '--keys-dir', dir])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/a key named 'release' already exists.*\[FLEET_ERR_KEY_STORE\]/)
    const bad = await cli(['keys', 'generate', '../evil', '--keys-dir', dir])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("invalid key name '../evil'")
    const missing = await cli(['keys', 'generate', '--keys-dir', dir])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('missing the key NAME')
  })

  it('lists keys sorted by name, as a table and as JSON', async () => {
    const dir = await keysDir()
    expect((await cli(['keys', 'list', '--keys-dir', dir])).stdout).toContain('no keys in')
    for (const name of ['zeta', 'alpha']) expect((await cli(['keys', 'generate', name, '--keys-dir', dir])).code).toBe(0)
    const table = await cli(['keys', 'list', '--keys-dir', dir])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/^NAME\s+KEY ID\s+CREATED\nalpha\s+[0-9a-f]{16}\s+\d{4}-\d\d-\d\dT.*\nzeta\s+[0-9a-f]{16}\s+/)
    const json = JSON.parse((await cli(['keys', 'list', '--keys-dir', dir, '--json'])).stdout) as Array<{ name: string }>
    expect(json.map(k => k.name)).toEqual(['alpha', 'zeta'])
    expect(JSON.stringify(json)).not.toContain('privateKey')
  })

  it('exports the public key by name or key id, never the private key, and warns about an exposed file', async () => {
    const dir = await keysDir()
    const generated = JSON.parse((await cli(['keys', 'generate', 'release', '--keys-dir', dir, '--json'])).stdout) as { keyId: string, publicKey: string }
    const byName = await cli(['keys', 'export', 'release', '--keys-dir', dir, '--json'])
    expect(JSON.parse(byName.stdout)).toEqual({ name: 'release', keyId: generated.keyId, publicKey: generated.publicKey })
    const byId = await cli(['keys', 'export', generated.keyId, '--keys-dir', dir])
    expect(byId.stdout).toBe(`name        release\nkey id      ${generated.keyId}\npublic key  ${generated.publicKey}\n`)
    const { privateKey } = JSON.parse(await readFile(join(dir, 'release.key'), 'utf8')) as { privateKey: string }
    expect(byName.stdout + byId.stdout).not.toContain(privateKey)
    expect(byId.stderr).toBe('')

    await chmod(join(dir, 'release.key'), 0o644)
    expect((await cli(['keys', 'export', 'release', '--keys-dir', dir])).stderr).toContain('warning: key release is accessible to other users; run chmod 600')
    const unknown = await cli(['keys', 'export', 'nope', '--keys-dir', dir])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain("no key named or with key id 'nope'")
  })

  it('explains itself and refuses unknown subcommands and flags', async () => {
    const help = await cli(['keys', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('fleets keys generate NAME [--keys-dir D] [--json]')
    expect((await cli(['keys', 'rotate'])).code).toBe(2)
    const flag = await cli(['keys', 'list', '--key-dir', '/tmp'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain("Unknown option '--key-dir'")
  })
})
