import { onScopeDispose, shallowRef } from 'vue'

/** The current time, refreshed every `ms`, so "5 min ago" stays true on a page left open. */
export function useNow(ms = 30_000) {
  const now = shallowRef(Date.now())
  const timer = setInterval(() => (now.value = Date.now()), ms)
  onScopeDispose(() => clearInterval(timer))
  return now
}
