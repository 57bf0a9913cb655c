/**
 * Money helpers for the UI. Amounts are exact decimals with at most two places; the UI
 * never does arithmetic on binary floats to decide what to send. Validation mirrors the
 * server's rules (docs/architecture.md §3): positive, at most 2 decimal places, at most
 * 1,000,000.00, no exponent, no NaN or infinity.
 */

/** Largest amount a single payment or request may carry, in cents. */
export const MAX_AMOUNT_CENTS = 100_000_000n
export const MAX_AMOUNT = '1000000.00'

const usd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
  // No minus sign on a value that rounds to zero (-0.001 → "$0.00").
  signDisplay: 'negative',
})

/** A plain decimal string as servers and JSON write it: `-12`, `12.5`, `.5`, `0.125`. */
const DECIMAL_STRING = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/

/**
 * Formats an amount as US dollars: `formatMoney(1234.5) === "$1,234.50"`,
 * `formatMoney(-5) === "-$5.00"`. A string is formatted as an exact decimal (no float
 * rounding on the way). Anything that is not a finite number formats as an em dash, so a
 * malformed value from a stream never breaks rendering.
 */
export function formatMoney(amount: number | string): string {
  if (typeof amount === 'number') {
    return Number.isFinite(amount) ? usd.format(amount) : '—'
  }
  const text = amount.trim()
  if (!DECIMAL_STRING.test(text)) return '—'
  // Intl.NumberFormat formats a numeric string as an exact decimal (ES2023).
  return usd.format(text as Intl.StringNumericLiteral)
}

export type ParseAmountResult = { ok: true; value: string } | { ok: false; reason: string }

export const AMOUNT_REASONS = {
  empty: 'Enter an amount.',
  notFinite: 'Amount must be a finite number.',
  exponent: 'Write the amount without an exponent (e.g. 1500, not 1.5e3).',
  notPositive: 'Amount must be greater than zero.',
  tooManyDecimals: 'Amount can have at most 2 decimal places.',
  tooLarge: 'Amount can be at most $1,000,000.00.',
  invalid: 'Enter an amount like 12.34 (digits and one decimal point).',
} as const

/**
 * Validates what a user typed as an amount. Surrounding whitespace and one leading `$` are
 * allowed; grouping commas are not (ambiguous between locales). On success `value` is the
 * normalised amount with exactly two decimals, e.g. `"007.5"` → `"7.50"`.
 */
export function parseAmount(input: string): ParseAmountResult {
  let text = input.trim()
  if (text.startsWith('$')) text = text.slice(1).trim()
  if (text === '') return { ok: false, reason: AMOUNT_REASONS.empty }

  if (/^[+-]?(?:nan|inf|infinity)$/i.test(text)) {
    return { ok: false, reason: AMOUNT_REASONS.notFinite }
  }
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)e[+-]?\d+$/i.test(text)) {
    return { ok: false, reason: AMOUNT_REASONS.exponent }
  }

  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text)
  if (!match) return { ok: false, reason: AMOUNT_REASONS.invalid }
  const [, sign = '', intDigits = '', fracDigits = ''] = match
  if (intDigits === '' && fracDigits === '') return { ok: false, reason: AMOUNT_REASONS.invalid }

  if (sign === '-') {
    return { ok: false, reason: AMOUNT_REASONS.notPositive }
  }
  if (fracDigits.length > 2) return { ok: false, reason: AMOUNT_REASONS.tooManyDecimals }

  const cents = BigInt(intDigits || '0') * 100n + BigInt(fracDigits.padEnd(2, '0'))
  if (cents === 0n) return { ok: false, reason: AMOUNT_REASONS.notPositive }
  if (cents > MAX_AMOUNT_CENTS) return { ok: false, reason: AMOUNT_REASONS.tooLarge }

  const whole = cents / 100n
  const fraction = (cents % 100n).toString().padStart(2, '0')
  return { ok: true, value: `${whole}.${fraction}` }
}
