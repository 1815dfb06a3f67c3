import { FLEETD_VERSION } from '../../version.js'
import { parseFlags } from '../args.js'

export function versionCommand (program: string): (argv: string[]) => Promise<number> {
  return (argv) => {
    const { values } = parseFlags('version', argv, { json: { type: 'boolean' } })
    const info = { program, version: FLEETD_VERSION, node: process.versions.node, platform: `${process.platform}/${process.arch}` }
    process.stdout.write(values.json === true ? JSON.stringify(info) + '\n' : `${program} ${FLEETD_VERSION} (node ${info.node}, ${info.platform})\n`)
    return Promise.resolve(0)
  }
}
