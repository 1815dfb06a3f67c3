import { describe, expect, it } from 'vitest'
import { LimitValueError } from './errors.js'
import { formatMemory, parseCpu, parseMemory } from './units.js'

describe('parseMemory', () => {
  it.each([
    ['2Gi', 2 * 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['1G', 1e9],
    ['64M', 64e6],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1000000', 1_000_000],
    [1_000_000, 1_000_000],
    ['128k', 128_000],
    ['128K', 128_000],
    ['4Ki', 4096],
    ['1Ti', 2 ** 40],
    ['1.1k', 1100],
    ['0.5', 1],
    [' 64Mi ', 64 * 2 ** 20],
    ['0', 0]
  ])('%j is %d bytes', (value, bytes) => {
    expect(parseMemory(value)).toBe(bytes)
  })

  it.each(['2GB', '64mb', '-1Gi', 'Gi', '', '1e9', '1 Gi', 'lots', '512m', '9Ei'])('refuses %j naming the value and the accepted forms', value => {
    const err = catchError(() => parseMemory(value))
    expect(err).toBeInstanceOf(LimitValueError)
    expect(err).toMatchObject({ name: 'LimitValueError', code: 'FLEET_ERR_LIMIT_INVALID', value })
    expect(err.message).toContain(`'${value}'`)
    expect(err.message).toMatch(/Mi|too large/)
  })

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses the number %d', value => {
    expect(() => parseMemory(value)).toThrow(LimitValueError)
  })
})

describe('parseCpu', () => {
  it.each([
    ['1500m', 1500],
    ['1.5', 1500],
    [2, 2000],
    ['250m', 250],
    ['0.1', 100],
    [1.1, 1100],
    ['0.0001', 1],
    ['1', 1000]
  ])('%j is %d millicpus', (value, millis) => {
    expect(parseCpu(value)).toBe(millis)
  })

  it.each(['1.5 cpu', '100M', '-1', 'm', '1500u', '2000000'])('refuses %j', value => {
    const err = catchError(() => parseCpu(value))
    expect(err).toMatchObject({ name: 'LimitValueError', code: 'FLEET_ERR_LIMIT_INVALID' })
    expect(err.message).toContain(`'${value}'`)
    expect(err.message).toMatch(/1500m/)
  })
})

describe('formatMemory', () => {
  it.each([[64 * 2 ** 20, '64Mi'], [1.5 * 2 ** 30, '1.5Gi'], [1_000_000, '1000000'], [4096, '4Ki']])('%d is %s', (bytes, text) => {
    expect(formatMemory(bytes)).toBe(text)
  })
})

function catchError (fn: () => unknown): Error {
  try {
    fn()
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a throw')
}
