/**
 * The rules of the Pay / Request form, as the server applies them (docs/architecture.md §3–4),
 * so the user hears about a mistake before sending: a payment larger than the balance the form
 * shows is not sent at all. The server checks everything again; what only it can know (the balance at the
 * moment it applies the payment) comes back as its own reason.
 */
import type { Activity } from '../api/models'
import { formatMoney, parseAmount } from './money'

export type Mode = 'pay' | 'request'

export const NOTES_MAX = 500

export interface PayFormInput {
  mode: Mode
  /** The chosen person's user id, '' when none is chosen. */
  userId: string
  amount: string
  notes: string
  /** Paying a request: the requested amount, which the payment must equal. */
  requestedAmount?: string
}

export interface PayFormContext {
  me: string
  /** The balance the form shows, if known. */
  balance: number | null
}

export interface PayFormCheck {
  ok: boolean
  errors: { userId?: string; amount?: string; notes?: string }
  /** The amount normalised to two decimals, when valid. */
  amount?: string
  /** A payment of more than the balance: worth saying as soon as it is typed. */
  overBalance: boolean
}

export function checkPayForm(input: PayFormInput, context: PayFormContext): PayFormCheck {
  const errors: PayFormCheck['errors'] = {}
  const verb = input.mode === 'pay' ? 'pay' : 'ask for money'
  if (!input.userId) errors.userId = input.mode === 'pay' ? 'Choose who to pay.' : 'Choose who to ask.'
  else if (input.userId === context.me) errors.userId = `You cannot ${verb} yourself.`
  else if (input.userId.startsWith('system|')) errors.userId = 'Choose a person, not a StreamPay account.'

  const amount = parseAmount(input.amount)
  let normalised: string | undefined
  if (!amount.ok) errors.amount = amount.reason
  else {
    normalised = amount.value
    if (input.requestedAmount !== undefined && amount.value !== input.requestedAmount) {
      errors.amount = `A request is paid in full: ${formatMoney(input.requestedAmount)}.`
    }
  }
  const overBalance =
    input.mode === 'pay' && !errors.amount && !!normalised && context.balance !== null && Number(normalised) > context.balance
  if (overBalance) errors.amount = `This is more than your balance (${formatMoney(context.balance!)}).`
  if ([...input.notes].length > NOTES_MAX) errors.notes = `Notes can be at most ${NOTES_MAX} characters.`

  const ok = Object.keys(errors).length === 0
  return { ok, errors, amount: normalised, overBalance }
}

/** What an activity says about request `id` having closed, in plain words for its payer `me`. */
export function requestClosedMessage(activity: Activity, id: string, me: string): string | null {
  if (!activity || activity.requestId !== id) return null
  switch (activity.eventName) {
    case 'PaymentRequestPaid':
      return activity.toUserId === me ? 'You have already paid this request.' : 'This request has been paid.'
    case 'PaymentRequestDeclined':
      return activity.toUserId === me ? 'You declined this request.' : 'This request was declined.'
    case 'PaymentRequestCancelled':
      return `${activity.fromUserName || 'The requester'} cancelled this request.`
    default:
      return null
  }
}

/** A request closed without saying how (it left the open requests). */
export const REQUEST_GONE = 'This request is no longer open.'

/** Users one may pick: everyone but oneself and StreamPay's own accounts, matching `query`. */
export function pickable<U extends { id: string; name: string; username: string }>(
  users: readonly U[],
  me: string,
  query: string,
  limit = 8,
): U[] {
  const q = query.trim().toLowerCase().replace(/^@/, '')
  const candidates = users.filter((u) => u.id !== me && !u.id.startsWith('system|'))
  const matches = q
    ? candidates.filter((u) => u.name.toLowerCase().includes(q) || u.username.toLowerCase().includes(q))
    : candidates
  // Names that start with the query first, then alphabetical.
  const starts = (u: U) => (u.name.toLowerCase().startsWith(q) || u.username.startsWith(q) ? 0 : 1)
  return [...matches].sort((a, b) => starts(a) - starts(b) || a.name.localeCompare(b.name)).slice(0, limit)
}
