import { describe, expect, it } from 'vitest'
import { dailyTotals, orderedHistory, statementDays } from './statement'

const day = (d: number, h = 12) => new Date(2026, 2, d, h).getTime()

describe('dailyTotals', () => {
  it('sums money in and out per day from consecutive balance versions, exactly', () => {
    const history = [
      { balance: 100, timestamp: day(1), version: 1 }, // the starting grant
      { balance: 92.5, timestamp: day(1, 13), version: 2 },
      { balance: 92.6, timestamp: day(2), version: 3 },
      { balance: 92.8, timestamp: day(2, 14), version: 4 },
      { balance: 80, timestamp: day(2, 15), version: 5 },
    ]
    expect(dailyTotals(history)).toEqual([
      { day: '2026-03-02', inCents: 30, outCents: 1280 },
      { day: '2026-03-01', inCents: 10000, outCents: 750 },
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
    expect(dailyTotals(history)).toEqual([{ day: '2026-03-01', inCents: 0, outCents: 1000 }])
  })
})

describe('statementDays', () => {
  it('takes the day windows of the statements view, the latest record of each', () => {
    const statement = (period: 'hour' | 'day', start: string, moneyIn: number, moneyOut: number) => ({
      userId: 'local|ben', period, start, end: '', moneyIn, moneyOut, count: 1, timestamp: 0,
    })
    expect(
      statementDays([
        statement('day', '2026-11-21T00:00:00Z', 100, 0),
        statement('hour', '2026-11-22T14:00:00Z', 0, 7.5),
        statement('day', '2026-11-22T00:00:00Z', 0, 7.5),
        statement('day', '2026-11-22T00:00:00Z', 0.1, 7.6),
      ]),
    ).toEqual([
      { day: '2026-11-22', inCents: 10, outCents: 760 },
      { day: '2026-11-21', inCents: 10000, outCents: 0 },
    ])
  })
})
