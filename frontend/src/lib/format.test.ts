import { describe, expect, it } from 'vitest'
import { firstName, formatPeriod, formatWhen, hueOf, initials } from './format'

describe('format', () => {
  const now = new Date(2026, 2, 14, 15, 30).getTime()

  it('tells recent times relatively and older ones by clock and date', () => {
    expect(formatWhen(now - 10_000, now)).toBe('just now')
    expect(formatWhen(now - 5 * 60_000, now)).toBe('5 min ago')
    expect(formatWhen(new Date(2026, 2, 14, 9, 5).getTime(), now)).toBe('9:05 AM')
    expect(formatWhen(new Date(2026, 2, 2, 18, 0).getTime(), now)).toBe('Mar 2, 6:00 PM')
  })

  it('makes initials, first names, statement windows and stable hues', () => {
    expect(initials('Alice van Doe')).toBe('AD')
    expect(initials('bob')).toBe('B')
    expect(initials('  ')).toBe('?')
    expect(firstName('Alice Doe')).toBe('Alice')
    expect(formatPeriod('day', Date.UTC(2026, 0, 5))).toBe('Mon, Jan 5')
    expect(formatPeriod('hour', new Date(2026, 0, 5, 15).getTime())).toBe('Jan 5, 3 PM')
    expect(hueOf('local|alice')).toBe(hueOf('local|alice'))
    expect(hueOf('local|alice')).not.toBe(hueOf('local|bob'))
  })
})
