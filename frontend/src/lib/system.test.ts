import { describe, expect, it } from 'vitest'
import { canReadSystem, isTraceable, recordsUrl } from '../api/system'
import { commandOfRecord, formatRetention, formatSince, MAX_SHOWN, prepend } from './system'

describe('the System section', () => {
  it('is shown for tokens with read:system only', () => {
    expect(canReadSystem('read:users read:system')).toBe(true)
    expect(canReadSystem('read:users write:pay')).toBe(false)
    expect(canReadSystem('read:systems')).toBe(false)
    expect(canReadSystem(undefined)).toBe(false)
  })

  it('traces gateway correlation ids only', () => {
    expect(isTraceable('a'.repeat(64))).toBe(true)
    expect(isTraceable('signup:local|alice')).toBe(false)
    expect(isTraceable(undefined)).toBe(false)
  })

  it('words retention and times since the command', () => {
    expect(formatRetention(-1)).toBe('forever')
    expect(formatRetention(604_800_000)).toBe('7 days')
    expect(formatRetention(3_600_000)).toBe('1 hour')
    expect(formatRetention(1500)).toBe('1500 ms')
    expect(formatRetention(null)).toBe('broker default')
    expect(formatSince(0)).toBe('+0 ms')
    expect(formatSince(1250)).toBe('+1.25 s')
    expect(formatSince(-3)).toBe('−3 ms')
  })

  it('asks for a topic with its filters', () => {
    expect(recordsUrl({ topic: 'commands' })).toBe('/system/topics/commands/records')
    expect(recordsUrl({ topic: 'replies', key: 'local|a b', header: 'x', from: 'beginning' })).toBe(
      '/system/topics/replies/records?key=local%7Ca+b&header=x&from=beginning',
    )
  })

  it('finds the command a record names, and keeps the newest records', () => {
    expect(commandOfRecord({ headers: { 'zilla:correlation-id': 'c1' } })).toBe('c1')
    expect(commandOfRecord({ headers: { 'streampay-cause': 'c2' } })).toBe('c2')
    expect(commandOfRecord({ headers: {} })).toBeUndefined()
    const one = { offset: 1 } as never
    const many = Array.from({ length: MAX_SHOWN }, (_, i) => ({ offset: i + 2 }) as never)
    const shown = prepend(many, [one])
    expect(shown).toHaveLength(MAX_SHOWN)
    expect(shown[0]).toBe(one)
  })
})
