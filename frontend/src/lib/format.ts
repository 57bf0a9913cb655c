/** Small display helpers: times, dates, names and avatars. */

const timeOfDay = new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit' })
const dayAndTime = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' })
const fullDate = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' })
// Statement windows are UTC: a day is named as UTC has it, an hour in the reader's own time.
const periodFormats = {
  day: new Intl.DateTimeFormat('en-US', { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' }),
  hour: new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', hour: 'numeric' }),
}

/** "just now", "5 min ago", "3:04 PM" (today), "Mar 2, 3:04 PM" (earlier). */
export function formatWhen(timestamp: number, now: number = Date.now()): string {
  if (!Number.isFinite(timestamp)) return ''
  const seconds = Math.round((now - timestamp) / 1000)
  if (seconds < 45 && seconds > -60) return 'just now'
  if (seconds > 0 && seconds < 3600) return `${Math.round(seconds / 60)} min ago`
  const date = new Date(timestamp)
  const today = new Date(now)
  if (date.toDateString() === today.toDateString()) return timeOfDay.format(date)
  return dayAndTime.format(date)
}

/** The full date and time, for a `title` or `<time datetime>`. */
export function formatFull(timestamp: number): string {
  return Number.isFinite(timestamp) ? fullDate.format(new Date(timestamp)) : ''
}

/** A statement window by its start: "Mon, Mar 2" (a day), "Mar 2, 3 PM" (an hour). */
export function formatPeriod(period: 'hour' | 'day', start: number): string {
  return periodFormats[period].format(new Date(start))
}

/** Up to two initials: "Alice Doe" → "AD", "bob" → "B". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!] : words
  return letters.map((w) => [...w][0]!.toUpperCase()).join('') || '?'
}

/** A stable hue (0–359) for a user id, so each person keeps their avatar colour. */
export function hueOf(id: string): number {
  let hash = 0
  for (const char of id) hash = (hash * 31 + char.codePointAt(0)!) >>> 0
  return hash % 360
}

/** The first name, for greetings: "Hi, Alice". */
export function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name
}
