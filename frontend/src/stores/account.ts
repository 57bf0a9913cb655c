/**
 * The signed-in user's live account, shared by the shell and every page: the balance (with the
 * version a payment sends back as `If-Match`) and the open requests addressed to them (the
 * badge). One multiplexed stream, open while someone is signed in.
 */
import { computed, effectScope, shallowRef, triggerRef, type EffectScope } from 'vue'
import type { Balance, PaymentRequest } from '../api/models'
import { openLiveViews, type LiveViews } from '../lib/liveViews'

export const balance = shallowRef<Balance | null>(null)
export const requestsToMe = shallowRef(new Map<string, PaymentRequest>())
export const accountStream = shallowRef<LiveViews | null>(null)

/** Open requests to me, newest first. */
export const openRequestsToMe = computed(() =>
  [...requestsToMe.value.values()].sort((a, b) => b.timestamp - a.timestamp),
)
export const badgeCount = computed(() => requestsToMe.value.size)

let scope: EffectScope | null = null

function isBalance(value: unknown): value is Balance {
  return !!value && typeof value === 'object' && 'balance' in value && 'version' in value
}

function isRequest(value: unknown): value is PaymentRequest {
  return !!value && typeof value === 'object' && typeof (value as PaymentRequest).id === 'string'
}

export function startAccount(fetchImpl?: typeof fetch): void {
  if (scope) return
  scope = effectScope(true)
  scope.run(() => {
    accountStream.value = openLiveViews(
      {
        'current-balance': {
          data(value) {
            // Versions only go up: an older event (a replay) never hides a newer balance.
            if (isBalance(value) && (!balance.value || value.version >= balance.value.version)) {
              balance.value = value
            }
          },
          reset() {
            // Keep the last balance on screen until the new initial state replaces it.
          },
        },
        'payment-requests': {
          data(value) {
            if (!isRequest(value)) return
            if (value.status && value.status !== 'pending') requestsToMe.value.delete(value.id)
            else requestsToMe.value.set(value.id, value)
            triggerRef(requestsToMe)
          },
          delete(key) {
            if (requestsToMe.value.delete(key)) triggerRef(requestsToMe)
          },
          reset() {
            requestsToMe.value = new Map()
          },
        },
      },
      { fetchImpl },
    )
  })
}

export function stopAccount(): void {
  scope?.stop()
  scope = null
  accountStream.value = null
  balance.value = null
  requestsToMe.value = new Map()
}

/** Take a request off the list at once (after paying or declining it); the stream confirms. */
export function forgetRequest(id: string): void {
  if (requestsToMe.value.delete(id)) triggerRef(requestsToMe)
}
