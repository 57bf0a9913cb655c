import { describe, expect, it } from 'vitest'
import { AMOUNT_REASONS, formatMoney, parseAmount } from './money'

describe('formatMoney', () => {
  it.each([
    [0, '$0.00'],
    [5, '$5.00'],
    [25.5, '$25.50'],
    [1234.5, '$1,234.50'],
    [1000000, '$1,000,000.00'],
    [0.01, '$0.01'],
    [-5, '-$5.00'],
    [-1234.56, '-$1,234.56'],
    [-0, '$0.00'],
    [-0.001, '$0.00'],
  ] as const)('formats the number %s as %s', (amount, expected) => {
    expect(formatMoney(amount)).toBe(expected)
  })

  it.each([
    ['0', '$0.00'],
    ['12', '$12.00'],
    ['12.5', '$12.50'],
    ['1234567.89', '$1,234,567.89'],
    ['-42.1', '-$42.10'],
    [' 7.25 ', '$7.25'],
    ['.5', '$0.50'],
    // exact decimal: as a float, 1.005 is 1.00499999… and would round down to $1.00
    ['1.005', '$1.01'],
    ['90071992547409.93', '$90,071,992,547,409.93'],
  ] as const)('formats the string %j as %s', (amount, expected) => {
    expect(formatMoney(amount)).toBe(expected)
  })

  it.each([NaN, Infinity, -Infinity, 'abc', '', '1e3', 'NaN', '1,000', '$5'])(
    'formats the non-amount %j as an em dash',
    (amount) => {
      expect(formatMoney(amount)).toBe('—')
    },
  )
})

describe('parseAmount accepts', () => {
  it.each([
    ['1', '1.00'],
    ['25.5', '25.50'],
    ['25.50', '25.50'],
    ['0.01', '0.01'],
    ['.5', '0.50'],
    ['7.', '7.00'],
    ['007.5', '7.50'],
    ['  12.34  ', '12.34'],
    ['$12.34', '12.34'],
    ['$ 3', '3.00'],
    ['1000000', '1000000.00'],
    ['1000000.00', '1000000.00'],
    ['999999.99', '999999.99'],
  ])('%j as %j', (input, value) => {
    expect(parseAmount(input)).toEqual({ ok: true, value })
  })
})

describe('parseAmount rejects', () => {
  it.each([
    ['', AMOUNT_REASONS.empty],
    ['   ', AMOUNT_REASONS.empty],
    ['$', AMOUNT_REASONS.empty],
    ['0', AMOUNT_REASONS.notPositive],
    ['0.00', AMOUNT_REASONS.notPositive],
    ['.0', AMOUNT_REASONS.notPositive],
    ['-5', AMOUNT_REASONS.notPositive],
    ['-0.01', AMOUNT_REASONS.notPositive],
    ['-0', AMOUNT_REASONS.notPositive],
    ['1.234', AMOUNT_REASONS.tooManyDecimals],
    ['0.001', AMOUNT_REASONS.tooManyDecimals],
    ['1.230', AMOUNT_REASONS.tooManyDecimals],
    ['1000000.01', AMOUNT_REASONS.tooLarge],
    ['1000001', AMOUNT_REASONS.tooLarge],
    ['99999999999999999999999', AMOUNT_REASONS.tooLarge],
    ['1e3', AMOUNT_REASONS.exponent],
    ['1E3', AMOUNT_REASONS.exponent],
    ['1.5e-2', AMOUNT_REASONS.exponent],
    ['2e+2', AMOUNT_REASONS.exponent],
    ['NaN', AMOUNT_REASONS.notFinite],
    ['nan', AMOUNT_REASONS.notFinite],
    ['Infinity', AMOUNT_REASONS.notFinite],
    ['-Infinity', AMOUNT_REASONS.notFinite],
    ['inf', AMOUNT_REASONS.notFinite],
    ['abc', AMOUNT_REASONS.invalid],
    ['.', AMOUNT_REASONS.invalid],
    ['1.2.3', AMOUNT_REASONS.invalid],
    ['1,000', AMOUNT_REASONS.invalid],
    ['+5', AMOUNT_REASONS.invalid],
    ['0x10', AMOUNT_REASONS.invalid],
    ['5 5', AMOUNT_REASONS.invalid],
    ['١٢', AMOUNT_REASONS.invalid],
  ])('%j: %s', (input, reason) => {
    expect(parseAmount(input)).toEqual({ ok: false, reason })
  })

  it('gives each rejection its own sentence', () => {
    const reasons = Object.values(AMOUNT_REASONS)
    expect(new Set(reasons).size).toBe(reasons.length)
    expect(AMOUNT_REASONS.tooLarge).toBe('Amount can be at most $1,000,000.00.')
  })
})
