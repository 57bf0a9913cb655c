/**
 * Requests the signed-in user sent, with their status.
 *
 * The gateway has no list of the requests a user sent (its `payment-requests` view holds the
 * open requests addressed to the caller), so this list is built from what this browser knows:
 * the requests made here (kept in localStorage per user), the `PaymentRequested` activities
 * from the user that the activity stream shows, and each request's later status events.
 * `GET /payment-requests/{id}` refreshes the status of a request still shown as pending.
 */
import { shallowRef } from 'vue'
import { ROUTES } from '../api/commands'
import { ApiError, getJson } from '../api/http'
import type { PaymentRequest, RequestStatus } from '../api/models'
import type { FeedRow } from '../lib/activities'

export interface SentRequest {
  id: string
  toUserId: string
  toUserName: string
  amount: number
  notes: string
  timestamp: number
  status: RequestStatus
}

const LIMIT = 100
export const sentRequests = shallowRef<SentRequest[]>([])
let owner = ''

function storageKey(userId: string): string {
  return `streampay.sent.${userId}`
}

function save(): void {
  if (!owner) return
  try {
    localStorage.setItem(storageKey(owner), JSON.stringify(sentRequests.value.slice(0, LIMIT)))
  } catch {
    // storage full or disabled: the list still lives for this page
  }
}

export function loadSentRequests(userId: string): void {
  owner = userId
  try {
    const raw = localStorage.getItem(storageKey(userId))
    const list: unknown = raw ? JSON.parse(raw) : []
    sentRequests.value = Array.isArray(list) ? (list as SentRequest[]) : []
  } catch {
    sentRequests.value = []
  }
}

function upsert(request: SentRequest): void {
  const others = sentRequests.value.filter((r) => r.id !== request.id)
  sentRequests.value = [request, ...others].sort((a, b) => b.timestamp - a.timestamp).slice(0, LIMIT)
  save()
}

export function rememberSent(request: SentRequest): void {
  upsert(request)
}

export function setSentStatus(id: string, status: RequestStatus): void {
  const found = sentRequests.value.find((r) => r.id === id)
  if (found && found.status !== status) upsert({ ...found, status })
}

/** Take in what the activity feed says about requests from `userId`. */
export function mergeFromFeed(rows: readonly FeedRow[], userId: string): void {
  for (const row of rows) {
    if (row.kind !== 'request' || row.fromUserId !== userId || !row.requestId) continue
    const known = sentRequests.value.find((r) => r.id === row.requestId)
    const status = row.status ?? 'pending'
    if (!known) {
      upsert({
        id: row.requestId,
        toUserId: row.toUserId,
        toUserName: row.toUserName,
        amount: row.amount,
        notes: row.notes,
        timestamp: row.timestamp,
        status,
      })
    } else if (known.status === 'pending' && status !== 'pending') setSentStatus(known.id, status)
  }
}

/** Ask the gateway where each request still shown as pending stands. */
export async function refreshPending(): Promise<void> {
  const pending = sentRequests.value.filter((r) => r.status === 'pending').slice(0, 20)
  await Promise.all(
    pending.map(async (r) => {
      try {
        const current = await getJson<PaymentRequest>(ROUTES.paymentRequest(r.id))
        if (current.status && current.status !== r.status) setSentStatus(r.id, current.status)
      } catch (error) {
        // 404: gone from the open requests; its final state comes from the activity feed.
        if (!(error instanceof ApiError)) return
      }
    }),
  )
}
