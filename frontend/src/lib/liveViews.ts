/**
 * Live views over the gateway's multiplexed stream: `GET /streams?views=a,b` carries several
 * views on one connection (`event: <view>`, `event: <view>.delete` with `{"key"}`, one
 * `event: ready` after the initial state of all of them). The app keeps at most two open: the
 * shell's (balance and requests to me) and the current page's.
 */
import { getCurrentScope, onScopeDispose, shallowRef, type ShallowRef } from 'vue'
import { currentToken, renewToken } from '../api/http'
import { SseClient, type SseMessage, type StreamState } from './sse'

export type ViewName =
  | 'activities'
  | 'my-activities'
  | 'payment-requests'
  | 'sent-requests'
  | 'current-balance'
  | 'balance-histories'
  | 'statements'
  | 'total-transactions'
  | 'average-transactions'

export interface ViewHandlers {
  /** A record of the view (the record value as JSON). */
  data(value: unknown, message: SseMessage): void
  /** A key left the view (e.g. a request that is no longer open). */
  delete?(key: string): void
  /** The stream starts from scratch: forget what earlier connections said. */
  reset?(): void
}

export interface LiveViews {
  state: ShallowRef<StreamState>
  /** True once the initial state has arrived (`event: ready`), and again after each resume. */
  ready: ShallowRef<boolean>
  error: ShallowRef<string>
  client: SseClient
  close(): void
  /** Reconnect, resuming from `eventId` (e.g. an older position, to load older records). */
  resumeFrom(eventId: string): void
}

export function streamUrl(views: readonly ViewName[]): string {
  return `/streams?views=${[...views].sort().join(',')}`
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data)
  } catch {
    return data
  }
}

/**
 * Opens one multiplexed stream for `handlers`' views. Inside a component (or any effect scope)
 * it is closed automatically when the scope ends, so leaving a page closes its stream.
 */
export function openLiveViews(
  handlers: Partial<Record<ViewName, ViewHandlers>>,
  options: { fetchImpl?: typeof fetch; onReady?: () => void } = {},
): LiveViews {
  const views = Object.keys(handlers) as ViewName[]
  const state = shallowRef<StreamState>('connecting')
  const ready = shallowRef(false)
  const error = shallowRef('')
  // A fresh connection replaces what the view holds, but only when its first event arrives,
  // so a reconnect does not blank the page in between.
  let resetPending = false
  const resetIfPending = () => {
    if (!resetPending) return
    resetPending = false
    for (const view of views) handlers[view]?.reset?.()
  }

  const client = new SseClient({
    url: streamUrl(views),
    getToken: currentToken,
    renewToken,
    fetchImpl: options.fetchImpl,
    onOpen(resumed) {
      if (!resumed) resetPending = true
    },
    onReset() {
      resetPending = true
    },
    onState(next, detail) {
      state.value = next
      if (next === 'failed') error.value = detail ?? 'The live view stopped.'
      if (next === 'syncing') error.value = ''
    },
    onMessage(message) {
      resetIfPending()
      if (message.event === 'ready') {
        ready.value = true
        options.onReady?.()
        return
      }
      const dot = message.event.lastIndexOf('.delete')
      if (dot > 0 && dot === message.event.length - '.delete'.length) {
        const value = parse(message.data) as { key?: unknown }
        const key = typeof value === 'object' && value && typeof value.key === 'string' ? value.key : message.data
        handlers[message.event.slice(0, dot) as ViewName]?.delete?.(key)
        return
      }
      handlers[message.event as ViewName]?.data(parse(message.data), message)
    },
  })
  client.start()
  const live: LiveViews = {
    state,
    ready,
    error,
    client,
    close: () => client.close(),
    resumeFrom(eventId: string) {
      client.lastEventId = eventId
      client.reconnectNow()
    },
  }
  if (getCurrentScope()) onScopeDispose(() => client.close())
  return live
}
