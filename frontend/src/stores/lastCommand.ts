/**
 * The Pay / Request form's last command, kept for this browser tab (sessionStorage, like the
 * session), so a reload shows how it ended instead of an empty form. A command that was still
 * waiting for its answer is sent again with its own `Idempotency-Key` and `If-Match`: the gateway
 * answers a retry with the first attempt's reply and never applies a command twice (see the
 * gateway README).
 */
import type { Visibility } from '../api/models'
import type { Mode } from '../lib/payForm'

export interface LastCommand {
  /** Whose command it was: another user signing in on this tab does not see it. */
  owner: string
  mode: Mode
  to: { id: string; name: string }
  amount: string
  notes: string
  requestId?: string
  /** A payment's visibility (not a request's: those are always private). */
  visibility?: Visibility
  key: string
  ifMatch: number | null
  state: 'sending' | 'done' | 'refused' | 'unanswered'
  /** How it ended, in plain words ("You paid Bob Stone $5.00."). */
  message: string
  /** A payment's correlation id from its reply (`commandId`): its trace. */
  commandId?: string
  at: number
}

const KEY = 'streampay.last-command'

export function saveLastCommand(command: LastCommand): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(command))
  } catch {
    // storage full or disabled: the result still shows until the page is left
  }
}

export function loadLastCommand(owner: string): LastCommand | null {
  try {
    const command = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as LastCommand | null
    return command && command.owner === owner && typeof command.key === 'string' ? command : null
  } catch {
    return null
  }
}

export function forgetLastCommand(): void {
  sessionStorage.removeItem(KEY)
}
