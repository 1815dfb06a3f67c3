import { execFile } from 'node:child_process'
import { access, mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { ProvisionOptionError } from './errors.js'

const execFileAsync = promisify(execFile)
/** Package roots are at most this many folders above this file (dist/node/provision → root). */
const ROOT_SEARCH_DEPTH_MAX = 6

/**
 * The agent a card installs, by default: this fleetp's own package, packed with `npm pack` and
 * copied onto the card. The device then installs exactly the version that provisioned it,
 * offline, and never trusts a registry name for a root install (no `fleetd` package is
 * published; a squatter could publish one). `-agent-package SPEC` overrides it.
 */
export async function packOwnPackage (from: string = fileURLToPath(import.meta.url)): Promise<string> {
  const root = await packageRoot(from)
  try {
    await access(join(root, 'dist', 'bundle', 'fleet-node.mjs'))
  } catch {
    throw new ProvisionOptionError(`${root} has no built fleet-node (dist/bundle/fleet-node.mjs): run 'npm run build' there, or pass -agent-package with a fleetd .tgz or npm spec`)
  }
  const dest = await mkdtemp(join(tmpdir(), 'fleetp-agent-'))
  try {
    const { stdout } = await execFileAsync('npm', ['pack', '--silent', '--pack-destination', dest, root], { maxBuffer: 1024 * 1024 })
    const name = stdout.trim().split('\n').at(-1) ?? ''
    if (!name.endsWith('.tgz')) throw new Error(`unexpected npm pack output '${stdout.trim()}'`)
    return join(dest, name)
  } catch (err) {
    throw new ProvisionOptionError(`cannot pack the fleetd agent with npm pack: ${(err as Error).message}; pass -agent-package with a fleetd .tgz or npm spec`)
  }
}

async function packageRoot (from: string): Promise<string> {
  let dir = dirname(resolve(from))
  for (let i = 0; i < ROOT_SEARCH_DEPTH_MAX; i++) {
    const pkg = await readFile(join(dir, 'package.json'), 'utf8').then(t => JSON.parse(t) as { name?: string }, () => undefined)
    if (pkg?.name === 'fleetd') return dir
    dir = dirname(dir)
  }
  throw new ProvisionOptionError('cannot find the fleetd package this fleetp runs from; pass -agent-package with a fleetd .tgz or npm spec')
}
