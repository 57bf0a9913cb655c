/** How the System section words offsets, retention, lag and times. */
import type { TopicRecord, TopicState } from '../api/system'

/** `-1` → "forever"; milliseconds → the largest whole unit ("7 days", "24 hours"). */
export function formatRetention(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return 'broker default'
  if (ms < 0) return 'forever'
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ]
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size
      return `${n} ${name}${n === 1 ? '' : 's'}`
    }
  }
  return `${ms} ms`
}

/** The groups reading a topic, with their total lag: "streampay-streams (lag 0)". */
export function readersOf(topic: TopicState): string {
  if (topic.groups.length === 0) return '—'
  return topic.groups.map((g) => `${g.group} (lag ${g.lag})`).join(', ')
}

/** A time since the command: "+0 ms", "+1.25 s". */
export function formatSince(ms: number): string {
  const sign = ms < 0 ? '−' : '+'
  const size = Math.abs(ms)
  return size < 1000 ? `${sign}${size} ms` : `${sign}${(size / 1000).toFixed(2)} s`
}

/** A record's time to the millisecond, in the reader's time zone: "14:03:07.215". */
export function formatClock(epochMs: number): string {
  const d = new Date(epochMs)
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0')
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

/** The correlation id a record names (command, reply, or anything it caused), if any. */
export function commandOfRecord(record: Pick<TopicRecord, 'headers'>): string | undefined {
  return record.headers['zilla:correlation-id'] ?? record.headers['streampay-cause']
}

/** Records shown at most in the explorer: newer ones push the oldest out. */
export const MAX_SHOWN = 500

/** `incoming` (newest first) in front of `shown`, at most `MAX_SHOWN`. */
export function prepend(shown: TopicRecord[], incoming: TopicRecord[]): TopicRecord[] {
  return [...incoming, ...shown].slice(0, MAX_SHOWN)
}
