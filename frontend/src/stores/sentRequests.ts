/**
 * Requests the signed-in user sent, with their status, from the gateway's `sent-requests` live
 * view: every request the user made, replaced as it is paid, declined or cancelled. The same list
 * on every device, however long ago the request was made.
 */
import { computed, shallowRef, triggerRef } from 'vue'
import type { PaymentRequest, RequestStatus } from '../api/types'
import { openLiveViews, type LiveViews } from '../lib/liveViews'

export interface SentRequest {
  id: string
  toUserId: string
  toUserName: string
  amount: number
  notes: string
  timestamp: number
  status: RequestStatus
}

const byId = shallowRef(new Map<string, SentRequest>())

/** Newest first. */
export const sentRequests = computed(() => [...byId.value.values()].sort((a, b) => b.timestamp - a.timestamp))

function isRequest(value: unknown): value is PaymentRequest {
  return !!value && typeof value === 'object' && typeof (value as PaymentRequest).id === 'string'
}

const ORDER: Record<RequestStatus, number> = { pending: 0, paid: 1, declined: 1, cancelled: 1 }

function put(request: SentRequest): void {
  const known = byId.value.get(request.id)
  // A closed request never reopens: an older record (a replay) does not undo a later status.
  if (known && ORDER[known.status] > ORDER[request.status]) return
  byId.value.set(request.id, request)
  triggerRef(byId)
}

/**
 * Opens the page's stream of the requests the user sent; it closes with the page (the calling
 * component's scope).
 */
export function watchSentRequests(fetchImpl?: typeof fetch): LiveViews {
  return openLiveViews(
    {
      'sent-requests': {
        data(value) {
          if (!isRequest(value)) return
          put({
            id: value.id,
            toUserId: value.toUserId,
            toUserName: value.toUserName,
            amount: Number(value.amount),
            notes: value.notes ?? '',
            timestamp: value.timestamp,
            status: (value.status as RequestStatus | undefined) ?? 'pending',
          })
        },
        reset() {
          byId.value = new Map()
        },
      },
    },
    { fetchImpl },
  )
}

/** Show a request as closed at once (after cancelling it here); the stream confirms it. */
export function setSentStatus(id: string, status: RequestStatus): void {
  const found = byId.value.get(id)
  if (found && found.status !== status) put({ ...found, status })
}

/** Show a request made here at once, before the stream brings it. */
export function rememberSent(request: SentRequest): void {
  if (!byId.value.has(request.id)) put(request)
}

/** Forget the list (sign-out). */
export function clearSentRequests(): void {
  byId.value = new Map()
}
