import { describe, expect, it } from 'vitest'
import { ManifestError, manifestRef, parseManifestRef } from './index.js'

describe('parseManifestRef', () => {
  it('splits NAME@VERSION and round-trips with manifestRef', () => {
    expect(parseManifestRef('edge-app@1.4.2')).toEqual({ name: 'edge-app', version: '1.4.2' })
    expect(parseManifestRef('a@2.0.0-rc.1+b7')).toEqual({ name: 'a', version: '2.0.0-rc.1+b7' })
    expect(manifestRef(parseManifestRef('x.y_z@1'))).toBe('x.y_z@1')
  })

  it('names the wrong part', () => {
    const cases: Array<[string, RegExp]> = [
      ['edge-app', /ref: expected NAME@VERSION like edge-app@1\.4\.2, got 'edge-app'/],
      ['Edge@1.0', /ref\.name: expected 1–100 lowercase letters/],
      ['edge@', /ref\.version: expected a version like 1\.4\.2/],
      ['edge@1@2', /ref\.version: expected a version/],
      ['@1.0', /ref\.name/]
    ]
    for (const [text, message] of cases) {
      const error = (() => { try { parseManifestRef(text) } catch (err) { return err } })()
      expect(error, text).toBeInstanceOf(ManifestError)
      expect((error as Error).message, text).toMatch(message)
    }
  })
})
