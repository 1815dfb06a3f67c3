import { describe, expect, it } from 'vitest'
import { parseFlags, parseKeyValues, parsePort, UsageError } from './args.js'

describe('CLI flag parsing', () => {
  it('names an unknown flag', () => {
    expect(() => parseFlags('join', ['--tokn', 'x'], { token: { type: 'string' } })).toThrow(/Unknown option '--tokn'/)
  })

  it('refuses stray positional arguments', () => {
    expect(() => parseFlags('status', ['extra'], {})).toThrow(UsageError)
  })

  it('accepts port 0 and refuses non-ports with the flag name', () => {
    expect(parsePort('join', 'rpc-port', '0', 4711)).toBe(0)
    expect(parsePort('join', 'rpc-port', undefined, 4711)).toBe(4711)
    for (const bad of ['-1', '65536', '12a', '1.5', '']) {
      expect(() => parsePort('join', 'rpc-port', bad, 4711)).toThrow(/--rpc-port must be a port number/)
    }
  })

  it('parses key=value labels and refuses malformed ones', () => {
    expect(parseKeyValues('join', 'label', ['site=a', 'role=gw=1'])).toEqual({ site: 'a', role: 'gw=1' })
    expect(() => parseKeyValues('join', 'label', ['=x'])).toThrow(/--label takes key=value/)
  })
})
