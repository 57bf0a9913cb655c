import { describe, expect, it } from 'vitest'
import { historyPeriods, historySince, orderedHistory, spanStart, statementPeriods, sumPeriods } from './statement'

const day = (d: number, h = 12) => Date.UTC(2026, 2, d, h)

describe('historyPeriods', () => {
  it('sums money in and out per UTC day or hour from consecutive balance versions, exactly', () => {
    const history = [
      { balance: 100, timestamp: day(1), version: 1 }, // the starting grant
      { balance: 92.5, timestamp: day(1, 13), version: 2 },
      { balance: 92.6, timestamp: day(2), version: 3 },
      { balance: 92.8, timestamp: day(2, 14), version: 4 },
      { balance: 80, timestamp: day(2, 15), version: 5 },
    ]
    expect(historyPeriods(history, 'day')).toEqual([
      { start: day(2, 0), inCents: 30, outCents: 1280 },
      { start: day(1, 0), inCents: 10000, outCents: 750 },
    ])
    expect(historyPeriods(history, 'hour', day(2, 0))).toEqual([
      { start: day(2, 15), inCents: 0, outCents: 1280 },
      { start: day(2, 14), inCents: 20, outCents: 0 },
      { start: day(2, 12), inCents: 10, outCents: 0 },
    ])
  })

  it('skips steps across a gap in the history, and repeated versions', () => {
    const history = [
      { balance: 50, timestamp: day(1), version: 7 },
      { balance: 40, timestamp: day(1), version: 8 },
      { balance: 40, timestamp: day(1), version: 8 },
      { balance: 90, timestamp: day(3), version: 11 },
    ]
    expect(orderedHistory(history)).toHaveLength(3)
    expect(historyPeriods(history, 'day')).toEqual([{ start: day(1, 0), inCents: 0, outCents: 1000 }])
  })
})

describe('statementPeriods', () => {
  it('takes the windows of one period from the statements view, the latest record of each', () => {
    const statement = (period: 'hour' | 'day', start: string, moneyIn: number, moneyOut: number) => ({
      userId: 'local|ben', period, start, end: '', moneyIn, moneyOut, count: 1, timestamp: 0,
    })
    const statements = [
      statement('day', '2026-11-21T00:00:00Z', 100, 0),
      statement('hour', '2026-11-22T14:00:00Z', 0, 7.5),
      statement('day', '2026-11-22T00:00:00Z', 0, 7.5),
      statement('day', '2026-11-22T00:00:00Z', 0.1, 7.6),
    ]
    const days = statementPeriods(statements, 'day')
    expect(days).toEqual([
      { start: Date.UTC(2026, 10, 22), inCents: 10, outCents: 760 },
      { start: Date.UTC(2026, 10, 21), inCents: 10000, outCents: 0 },
    ])
    expect(sumPeriods(days)).toEqual({ inCents: 10010, outCents: 760 })
    expect(statementPeriods(statements, 'hour')).toEqual([{ start: Date.UTC(2026, 10, 22, 14), inCents: 0, outCents: 750 }])
    expect(statementPeriods(statements, 'day', Date.UTC(2026, 10, 22))).toHaveLength(1)
  })
})

describe('spans', () => {
  it('show the last 24 hours or 30 days, the current window included', () => {
    const now = Date.UTC(2026, 2, 10, 15, 20)
    expect(spanStart('hour', now)).toBe(Date.UTC(2026, 2, 9, 16))
    expect(spanStart('day', now)).toBe(Date.UTC(2026, 1, 9))
  })

  it('start the balance where it stood when the span began', () => {
    const history = [
      { balance: 100, timestamp: day(1), version: 1 },
      { balance: 90, timestamp: day(3), version: 2 },
      { balance: 95, timestamp: day(5), version: 3 },
    ]
    expect(historySince(history, day(4))).toEqual([
      { balance: 90, timestamp: day(4), version: 2 },
      { balance: 95, timestamp: day(5), version: 3 },
    ])
    expect(historySince(history, day(6))).toEqual([{ balance: 95, timestamp: day(6), version: 3 }])
    expect(historySince(history, day(0))).toEqual(history)
  })
})
