/**
 * A statement: money in and out per period (an hour or a day, UTC windows as the streams
 * service keeps them, see the project README's `statements` topic), over the last 24 hours or
 * the last 30 days. From the `statements` view when it has records; else from the balance
 * history, where each change is the difference between two consecutive versions.
 */
import type { Balance, Statement } from '../api/models'

export type Period = Statement['period']

/** How long one period lasts, and how many of them the page shows (the current one included). */
export const PERIODS: Record<Period, { ms: number; shown: number; label: string }> = {
  hour: { ms: 3_600_000, shown: 24, label: 'Last 24 hours' },
  day: { ms: 86_400_000, shown: 30, label: 'Last 30 days' },
}

export interface PeriodTotals {
  /** Start of the window, epoch ms (UTC-aligned). */
  start: number
  /** In cents, to sum exactly. */
  inCents: number
  outCents: number
}

function cents(value: number | string): number {
  return Math.round(Number(value) * 100)
}

/** Start of the `period` window holding the moment `at`. */
export function windowStart(period: Period, at: number): number {
  return at - (at % PERIODS[period].ms)
}

/** The moment the page's span starts: the first of the `shown` windows ending with the current one. */
export function spanStart(period: Period, now: number): number {
  const { ms, shown } = PERIODS[period]
  return windowStart(period, now) - (shown - 1) * ms
}

/** The history in version order, one record per version (a replay may repeat one). */
export function orderedHistory(history: readonly Balance[]): Balance[] {
  const byVersion = new Map<number, Balance>()
  for (const entry of history) byVersion.set(entry.version, entry)
  return [...byVersion.values()].sort((a, b) => a.version - b.version)
}

function newestFirst(windows: Map<number, PeriodTotals>, since: number): PeriodTotals[] {
  return [...windows.values()].filter((w) => w.start >= since).sort((a, b) => b.start - a.start)
}

/**
 * Money in and out per `period` window since `since`, newest first. A change is known only
 * between consecutive versions (or from zero for version 1, the first money the account ever
 * got): across a gap in the history in and out cannot be told apart, so such a step is left out.
 */
export function historyPeriods(history: readonly Balance[], period: Period, since = 0): PeriodTotals[] {
  const windows = new Map<number, PeriodTotals>()
  let previous: Balance | null = null
  for (const entry of orderedHistory(history)) {
    let delta: number | null = null
    if (previous && entry.version === previous.version + 1) delta = cents(entry.balance) - cents(previous.balance)
    else if (!previous && entry.version === 1) delta = cents(entry.balance)
    previous = entry
    if (delta === null || delta === 0) continue
    const start = windowStart(period, entry.timestamp)
    const totals = windows.get(start) ?? { start, inCents: 0, outCents: 0 }
    if (delta > 0) totals.inCents += delta
    else totals.outCents -= delta
    windows.set(start, totals)
  }
  return newestFirst(windows, since)
}

/** Money in and out per `period` window since `since` from the `statements` view, newest first. */
export function statementPeriods(statements: Iterable<Statement>, period: Period, since = 0): PeriodTotals[] {
  const windows = new Map<number, PeriodTotals>()
  for (const s of statements) {
    if (s.period !== period) continue
    const start = Date.parse(s.start)
    windows.set(start, { start, inCents: cents(s.moneyIn), outCents: cents(s.moneyOut) })
  }
  return newestFirst(windows, since)
}

/** Money in and out over all the windows. */
export function sumPeriods(windows: readonly PeriodTotals[]): { inCents: number; outCents: number } {
  return windows.reduce((sum, w) => ({ inCents: sum.inCents + w.inCents, outCents: sum.outCents + w.outCents }), {
    inCents: 0,
    outCents: 0,
  })
}

/**
 * The balance over `[since, now]`: the balance as it was at `since` (the last change before it,
 * when there is one), then every change after it.
 */
export function historySince(ordered: readonly Balance[], since: number): Balance[] {
  const firstInside = ordered.findIndex((b) => b.timestamp >= since)
  const inside = firstInside < 0 ? [] : ordered.slice(firstInside)
  const before = firstInside < 0 ? ordered.at(-1) : ordered[firstInside - 1]
  return before ? [{ ...before, timestamp: since }, ...inside] : inside
}
