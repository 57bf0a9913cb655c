/**
 * The activity feed of a page: its own live stream of the public `activities` view and the
 * caller's `my-activities` (every line about them, private ones included), merged into rows
 * (see lib/activities.ts), with older activity loaded on demand.
 *
 * The gateway sends a fresh connection the most recent activities only. Older ones are loaded
 * by resuming the same stream from an earlier position (the event id holds the next offset of
 * every partition): the gateway replays from there, and records already shown are recognised
 * and skipped. Each step goes further back.
 */
import { computed, shallowRef, triggerRef } from 'vue'
import type { Activity } from '../api/types'
import { Feed } from '../lib/activities'
import { openLiveViews, type ViewName } from '../lib/liveViews'
import type { SseMessage } from '../lib/sse'

/** Records per partition each "load older" step goes back. */
const STEP = 50

/** `activities@0=40,1=38` → {0: 40, 1: 38}; null when the id is not of that shape. */
export function parseOffsets(eventId: string, view = 'activities'): Map<number, number> | null {
  const section = eventId.split(';').find((s) => s.startsWith(`${view}@`))
  if (!section) return null
  const offsets = new Map<number, number>()
  for (const part of section.slice(view.length + 1).split(',')) {
    const [p, o] = part.split('=').map(Number)
    if (!Number.isInteger(p) || !Number.isInteger(o)) return null
    offsets.set(p!, o!)
  }
  return offsets
}

export function formatOffsets(offsets: Map<number, number>, view = 'activities'): string {
  const parts = [...offsets.entries()].sort(([a], [b]) => a - b).map(([p, o]) => `${p}=${o}`)
  return `${view}@${parts.join(',')}`
}

/** The public feed, and the caller's own lines (private ones with their amount and notes). */
export const FEED_VIEWS = ['activities', 'my-activities'] as const satisfies readonly ViewName[]

export function useActivityFeed(fetchImpl?: typeof fetch) {
  const feed = shallowRef(new Feed())
  const loadingOlder = shallowRef(false)
  const reachedStart = shallowRef(false)
  /** Where the first ready left each view, and how far back the last load went. */
  let heads: Map<string, Map<number, number>> | null = null
  let depth = 0
  let sizeBefore = 0
  /** Records received before the first `ready`: the whole log, if its offsets add up to it. */
  let initialRecords = 0

  const handlers = {
    data(value: unknown, message: SseMessage) {
      if (!heads) initialRecords += 1
      if (value && typeof value === 'object' && feed.value.add(value as Activity, message.data)) triggerRef(feed)
    },
    reset() {
      feed.value.clear()
      heads = null
      initialRecords = 0
      depth = 0
      reachedStart.value = false
      triggerRef(feed)
    },
  }
  const back = (offset: number, steps: number) => Math.max(0, offset - steps * STEP)
  const allAt = (steps: number) =>
    !heads || [...heads.values()].every((head) => [...head.values()].every((o) => o - steps * STEP <= 0))

  const live = openLiveViews(Object.fromEntries(FEED_VIEWS.map((view) => [view, handlers])), {
    fetchImpl,
    onReady() {
      if (!heads) {
        const found = FEED_VIEWS.map((view) => [view, parseOffsets(live.client.lastEventId, view)] as const)
        heads = found.every(([, o]) => o) ? new Map(found as [string, Map<number, number>][]) : null
        // The topics hold no more than what came (their offsets start at 0): nothing older.
        const total = heads
          ? [...heads.values()].reduce((sum, head) => sum + [...head.values()].reduce((a, o) => a + o, 0), 0)
          : Infinity
        if (total <= initialRecords) reachedStart.value = true
      }
      if (loadingOlder.value) {
        loadingOlder.value = false
        if (feed.value.size === sizeBefore && allAt(depth)) reachedStart.value = true
      }
    },
  })

  function loadOlder(): void {
    if (loadingOlder.value || reachedStart.value || !heads || !live.ready.value) return
    depth += 1
    if (allAt(depth - 1)) {
      reachedStart.value = true
      return
    }
    const from = [...heads].map(([view, head]) =>
      formatOffsets(new Map([...head].map(([p, o]) => [p, back(o, depth)])), view),
    )
    sizeBefore = feed.value.size
    loadingOlder.value = true
    live.resumeFrom(from.join(';'))
  }

  // The feed changes in place; hand the page fresh row objects so changed rows re-render.
  const rows = computed(() => feed.value.rows.map((row) => ({ ...row })))
  return { feed, rows, live, loadOlder, loadingOlder, reachedStart }
}
