/**
 * The rules of the Pay / Request form, as the server applies them (ARCHITECTURE §3–4), so the
 * user hears about a mistake before sending. The server checks everything again; what only it
 * can know (the balance at the moment it applies the payment) comes back as its own reason.
 */
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
  /** Not an error: the server decides, but the user should know before sending. */
  warning?: string
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
  if ([...input.notes].length > NOTES_MAX) errors.notes = `Notes can be at most ${NOTES_MAX} characters.`

  let warning: string | undefined
  if (input.mode === 'pay' && normalised && context.balance !== null && Number(normalised) > context.balance) {
    warning = `This is more than your balance (${formatMoney(context.balance)}).`
  }
  const ok = Object.keys(errors).length === 0
  return { ok, errors, amount: normalised, warning }
}

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
