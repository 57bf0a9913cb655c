/**
 * The activity feed of a page: its own live stream of the `activities` view, merged into rows
 * (see lib/activities.ts), with older activity loaded on demand.
 *
 * The gateway sends a fresh connection the most recent activities only. Older ones are loaded
 * by resuming the same stream from an earlier position (the event id holds the next offset of
 * every partition): the gateway replays from there, and records already shown are recognised
 * and skipped. Each step goes further back.
 */
import { computed, shallowRef, triggerRef } from 'vue'
import type { Activity } from '../api/models'
import { Feed } from '../lib/activities'
import { openLiveViews } from '../lib/liveViews'

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

export function useActivityFeed(fetchImpl?: typeof fetch) {
  const feed = shallowRef(new Feed())
  const loadingOlder = shallowRef(false)
  const reachedStart = shallowRef(false)
  /** Where the first ready left us, and how far back the last load went. */
  let head: Map<number, number> | null = null
  let depth = 0
  let sizeBefore = 0
  /** Records received before the first `ready`: the whole log, if its offsets add up to it. */
  let initialRecords = 0

  const live = openLiveViews(
    {
      activities: {
        data(value, message) {
          if (!head) initialRecords += 1
          if (value && typeof value === 'object' && feed.value.add(value as Activity, message.data)) triggerRef(feed)
        },
        reset() {
          feed.value.clear()
          head = null
          initialRecords = 0
          depth = 0
          reachedStart.value = false
          triggerRef(feed)
        },
      },
    },
    {
      fetchImpl,
      onReady() {
        if (!head) {
          head = parseOffsets(live.client.lastEventId)
          // The topic holds no more than what came (its offsets start at 0): nothing older.
          const total = head ? [...head.values()].reduce((sum, o) => sum + o, 0) : Infinity
          if (total <= initialRecords) reachedStart.value = true
        }
        if (loadingOlder.value) {
          loadingOlder.value = false
          const allAtZero = head ? [...head.values()].every((o) => o - depth * STEP <= 0) : true
          if (feed.value.size === sizeBefore && allAtZero) reachedStart.value = true
        }
      },
    },
  )

  function loadOlder(): void {
    if (loadingOlder.value || reachedStart.value || !head || !live.ready.value) return
    depth += 1
    const from = new Map([...head].map(([p, o]) => [p, Math.max(0, o - depth * STEP)]))
    if ([...head.values()].every((o) => o - (depth - 1) * STEP <= 0)) {
      reachedStart.value = true
      return
    }
    sizeBefore = feed.value.size
    loadingOlder.value = true
    live.resumeFrom(formatOffsets(from))
  }

  // The feed changes in place; hand the page fresh row objects so changed rows re-render.
  const rows = computed(() => feed.value.rows.map((row) => ({ ...row })))
  return { feed, rows, live, loadOlder, loadingOlder, reachedStart }
}
