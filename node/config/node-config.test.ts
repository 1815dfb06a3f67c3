/**
 * The node config round trip: what fleetp writes onto a card (cardNodeConfig + formatNodeConfig,
 * the exact code path of `fleetp provision`) is what the real `fleet-node join` process reads,
 * from `--config FILE` and from config.json in the storage dir; flags win over the file.
 */
import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { defaultNodeConfigPath, formatNodeConfig, NodeConfigError, parseNodeConfig } from './index.js'
import { cardNodeConfig, newDeviceIdentity, validateProvisionOptions } from '../provision/index.js'
import { createFleetSecrets, formatJoinToken } from '../fleet/index.js'
import { FLEET_NODE_CLI, startFleetNode, tempDir } from '../../test/support/fleet-node-proc.js'
import type { RunningNode } from '../../test/support/fleet-node-proc.js'

const run = promisify(execFile)
let token = ''
beforeAll(async () => {
  const secrets = await createFleetSecrets(1, 'fleet-roundtrip')
  token = formatJoinToken({ fleetId: secrets.fleetId, networkKey: secrets.networkKey, trustedKeys: [], createdMs: 1, bootstrap: [] })
})
const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--rpc-port', '0']
let node: RunningNode | undefined
afterEach(async () => { await node?.stop(); node = undefined })

function cardConfigText (hostname: string): string {
  const options = validateProvisionOptions({ token, hostname, labels: { site: 'lab' }, agentPackage: 'fleetd@0.1.0', nodeVersion: '24.0.0', bootstrap: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'] })
  const identity = newDeviceIdentity(n => new Uint8Array(n).fill(0xab), hostname)
  return formatNodeConfig(cardNodeConfig({ options, identity, throwawayPassword: 'x' }))
}

describe('node config schema', () => {
  it('parses what it formats, and names the field of a mistake', () => {
    const text = cardConfigText('pi-7')
    expect(parseNodeConfig(text)).toEqual(JSON.parse(text))
    expect(formatNodeConfig(parseNodeConfig(text))).toBe(text)
    expect(() => parseNodeConfig('{"version":1,"rpcPort":70000}', 'cfg')).toThrow(/cfg: field 'rpcPort'/)
    expect(() => parseNodeConfig('{"version":2}')).toThrow(NodeConfigError)
    expect(() => parseNodeConfig('{"version":1,"nmae":"x"}')).toThrow(/nmae/)
    expect(() => parseNodeConfig('{version')).toThrow(/not valid JSON/)
  })

  it('carries a gateway\'s serial ports (join --gateway/--mcu/--baud/--mode/--lora-*)', () => {
    const gateway = [{ port: '/dev/ttyUSB0', mcu: 'esp32', baud: 921600, mode: '8n1' }, { port: '/dev/ttyUSB1', mcu: 'lora', loraDevices: '/var/lib/fleetd/lora.json', loraKey: '/var/lib/fleetd/lora.pem' }]
    expect(parseNodeConfig(JSON.stringify({ version: 1, gateway })).gateway).toEqual(gateway)
    expect(() => parseNodeConfig(JSON.stringify({ version: 1, gateway: [{ port: '/dev/ttyUSB0', mcu: 'esp8266' }] }))).toThrow(/field 'gateway\.0\.mcu'/)
    expect(() => parseNodeConfig(JSON.stringify({ version: 1, gateway: [{ port: '/dev/ttyUSB0', mcu: 'esp32', mode: '7e1' }] }))).toThrow(/field 'gateway\.0\.mode'/)
  })
})

describe('fleet-node join reads the config fleetp writes', () => {
  it('--config FILE: the name and the fleet come from the card files', async () => {
    const dir = await tempDir('config-rt')
    await writeFile(join(dir, 'card-config.json'), cardConfigText('pi-roundtrip'))
    await writeFile(join(dir, 'card-token'), token + '\n')
    // tokenFile on the card is /var/lib/fleetd/token (where first boot moves it); here the flag points at the card's copy.
    node = startFleetNode({ storageDir: join(dir, 'state'), args: ['--config', join(dir, 'card-config.json'), '--token-file', join(dir, 'card-token'), ...LOOPBACK] })
    const status = await node.waitFor('the node to start', s => s.peerId !== '', 30_000)
    expect(status).toMatchObject({ name: 'pi-roundtrip', fleetId: 'fleet-roundtrip', mdns: false })
  })

  it('config.json in the storage dir is read without --config; a bad one stops the node naming the field', async () => {
    const dir = await tempDir('config-default')
    const state = join(dir, 'state')
    await mkdir(state, { recursive: true, mode: 0o700 })
    await writeFile(defaultNodeConfigPath(state), JSON.stringify({ version: 1, name: 'from-storage', tokenFile: join(dir, 'tok') }))
    await writeFile(join(dir, 'tok'), token)
    node = startFleetNode({ storageDir: state, args: LOOPBACK })
    expect(await node.waitFor('the node to start', s => s.peerId !== '', 30_000)).toMatchObject({ name: 'from-storage', fleetId: 'fleet-roundtrip' })
    await node.stop()
    node = undefined
    await writeFile(defaultNodeConfigPath(state), JSON.stringify({ version: 1, heartbeatMs: 5 }))
    const bad = await run(process.execPath, [FLEET_NODE_CLI, 'join', '--storage-dir', state, ...LOOPBACK]).catch((err: { code: number, stderr: string }) => err)
    expect(bad).toMatchObject({ code: 1 })
    expect((bad as { stderr: string }).stderr).toMatch(/field 'heartbeatMs'.*\[FLEET_ERR_NODE_CONFIG\]/)
  })
})
