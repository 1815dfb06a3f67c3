import { describe, expect, it } from 'vitest'
import { parseGatewayPorts } from './join-gateway.js'
import type { GatewayFlags } from './join-gateway.js'

describe('fleet-node join gateway flags', () => {
  it('pairs --mcu, --baud and --mode with the ports: once for all, or once per port in order', () => {
    expect(parseGatewayPorts({})).toEqual([])
    expect(parseGatewayPorts({ gateway: ['/dev/ttyUSB0', '/dev/ttyUSB1'], mcu: ['esp32'] })).toEqual([
      { path: '/dev/ttyUSB0', mcu: 'esp32', baudRate: 115200, mode: '8n1' }, { path: '/dev/ttyUSB1', mcu: 'esp32', baudRate: 115200, mode: '8n1' }
    ])
    expect(parseGatewayPorts({ gateway: ['/dev/a', '/dev/b'], mcu: ['esp32', 'stm32'], baud: ['921600', '115200'], mode: ['8n1', '8E1'] })).toEqual([
      { path: '/dev/a', mcu: 'esp32', baudRate: 921600, mode: '8n1' }, { path: '/dev/b', mcu: 'stm32', baudRate: 115200, mode: '8e1' }
    ])
    expect(parseGatewayPorts({ gateway: ['/dev/a', '/dev/l'], mcu: ['esp32', 'lora'], 'lora-devices': ['d.json'], 'lora-key': ['k.pem'] })[1])
      .toEqual({ path: '/dev/l', mcu: 'lora', baudRate: 115200, mode: '8n1', loraDevices: 'd.json', loraKey: 'k.pem' })
  })

  it('names the flag and what to do for each mistake', () => {
    const cases: Array<[GatewayFlags, RegExp]> = [
      [{ mcu: ['esp32'] }, /--mcu applies to a gateway port: give the port with --gateway PATH/],
      [{ gateway: ['/dev/a'] }, /--gateway \/dev\/a needs --mcu esp32\|stm32\|lora/],
      [{ gateway: ['/dev/a'], mcu: ['esp8266'] }, /--mcu takes esp32, stm32, lora, got 'esp8266'/],
      [{ gateway: ['/dev/a', '/dev/b', '/dev/c'], mcu: ['esp32', 'esp32'] }, /--mcu is given 2 times for 3 --gateway ports; give it once for all, or once per port/],
      [{ gateway: ['/dev/a'], mcu: ['esp32'], baud: ['115'] }, /--baud for \/dev\/a must be one of 9600, .*got '115'/],
      [{ gateway: ['/dev/a'], mcu: ['esp32'], mode: ['7e1'] }, /--mode for \/dev\/a must be 8n1 or 8e1, got '7e1'/],
      [{ gateway: ['/dev/a', '/dev/a'], mcu: ['esp32'] }, /--gateway \/dev\/a is given twice/],
      [{ gateway: ['/dev/l'], mcu: ['lora'] }, /1 lora port\(s\) need as many --lora-devices FILE/],
      [{ gateway: ['/dev/l'], mcu: ['lora'], 'lora-devices': ['d.json'] }, /lora ports need --lora-key FILE/],
      [{ gateway: ['/dev/a'], mcu: ['esp32'], 'lora-key': ['k.pem'] }, /--lora-key applies to --mcu lora ports, and none is given/]
    ]
    for (const [flags, message] of cases) expect(() => parseGatewayPorts(flags), JSON.stringify(flags)).toThrow(message)
  })
})
