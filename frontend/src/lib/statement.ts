/**
 * A statement from the balance history: each change of the balance is the difference between
 * two consecutive versions, money in when it went up and money out when it went down, summed
 * per calendar day.
 */
import type { Balance, Statement } from '../api/types'
import { dayKey } from './format'

export interface DayTotals {
  /** `YYYY-MM-DD`. */
  day: string
  /** In cents, to sum exactly. */
  inCents: number
  outCents: number
}

function cents(value: number | string): number {
  return Math.round(Number(value) * 100)
}

/** The history in version order, one record per version (a replay may repeat one). */
export function orderedHistory(history: readonly Balance[]): Balance[] {
  const byVersion = new Map<number, Balance>()
  for (const entry of history) byVersion.set(entry.version, entry)
  return [...byVersion.values()].sort((a, b) => a.version - b.version)
}

/**
 * Money in and out per day, newest day first. A change is known only between consecutive
 * versions (or from zero for version 1, the first money the account ever got): across a gap in
 * the history in and out cannot be told apart, so such a step is left out.
 */
export function dailyTotals(history: readonly Balance[]): DayTotals[] {
  const days = new Map<string, DayTotals>()
  let previous: Balance | null = null
  for (const entry of orderedHistory(history)) {
    let delta: number | null = null
    if (previous && entry.version === previous.version + 1) delta = cents(entry.balance) - cents(previous.balance)
    else if (!previous && entry.version === 1) delta = cents(entry.balance)
    previous = entry
    if (delta === null || delta === 0) continue
    const key = dayKey(entry.timestamp)
    const day = days.get(key) ?? { day: key, inCents: 0, outCents: 0 }
    if (delta > 0) day.inCents += delta
    else day.outCents -= delta
    days.set(key, day)
  }
  return [...days.values()].sort((a, b) => (a.day < b.day ? 1 : -1))
}

/**
 * Money in and out per day from the streams service's own statements (`statements` view, one
 * record per UTC day window, the latest per window wins), newest day first.
 */
export function statementDays(statements: Iterable<Statement>): DayTotals[] {
  const days = new Map<string, DayTotals>()
  for (const s of statements) {
    if (s.period !== 'day') continue
    const day = s.start.slice(0, 10)
    days.set(day, { day, inCents: cents(s.moneyIn), outCents: cents(s.moneyOut) })
  }
  return [...days.values()].sort((a, b) => (a.day < b.day ? 1 : -1))
}
