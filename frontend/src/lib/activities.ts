/**
 * The activity feed as people read it: one row per payment (the `activities` topic has one
 * record per leg, `PaymentSent` for the payer and `PaymentReceived` for the payee), one row per
 * request whose status follows the request's later events, and sentences told from the
 * reader's side ("You paid Bob $5.00", "Bob paid you $5.00", "Alice paid Bob $5.00").
 */
import type { Activity, ActivityEvent, RequestStatus, Visibility } from '../api/types'
import { formatMoney } from './money'

export type RowKind = 'payment' | 'deposit' | 'request' | 'request-declined' | 'request-cancelled'

export interface FeedRow {
  key: string
  kind: RowKind
  timestamp: number
  amount: number
  fromUserId: string
  fromUserName: string
  toUserId: string
  toUserName: string
  notes: string
  requestId?: string
  /** Requests: where the request stands now. */
  status?: RequestStatus
  /** Payments: who may see it (only its parties ever see a private one). */
  visibility?: Visibility
  /** Payments: which legs have arrived. */
  legs: Set<ActivityEvent>
  /** The command that caused the row, when the records name it (`id` is `<command id>:<event>`). */
  commandId?: string
}

/** `cmd-1:PaymentSent` → `cmd-1`. */
function commandOf(a: Activity): string | undefined {
  const id = (a as { id?: string | null }).id
  if (!id) return undefined
  const colon = id.lastIndexOf(':')
  return colon > 0 ? id.slice(0, colon) : id
}

/** Two legs of one payment are written together; their timestamps may differ a little. */
const LEG_WINDOW_MS = 5000

const PAYMENT_LEGS: ReadonlySet<string> = new Set(['PaymentSent', 'PaymentReceived'])

function requestKey(id: string): string {
  return `request:${id}`
}

export class Feed {
  /** Newest first. */
  rows: FeedRow[] = []
  private readonly seen = new Set<string>()
  private readonly byKey = new Map<string, FeedRow>()
  private counter = 0

  clear(): void {
    this.rows = []
    this.seen.clear()
    this.byKey.clear()
  }

  get size(): number {
    return this.rows.length
  }

  /**
   * Adds one activity record. `raw` is its text on the stream: the same record sent twice (a
   * replay when older activity is loaded) is recognised and ignored. True when rows changed.
   */
  add(activity: Activity, raw: string = JSON.stringify(activity)): boolean {
    // Each line has a unique id (a line re-sent after a worker crash keeps it); older records
    // without one are told apart by their text.
    const identity = (activity as { id?: string | null }).id ?? raw
    if (this.seen.has(identity)) return false
    this.seen.add(identity)
    const event = activity.eventName as ActivityEvent
    if (PAYMENT_LEGS.has(event)) return this.addLeg(activity, event)
    switch (event) {
      case 'DepositReceived':
        this.insert(this.row(activity, 'deposit', `deposit:${this.counter++}`))
        return true
      case 'PaymentRequested':
        return this.addRequest(activity)
      case 'PaymentRequestPaid':
        return this.setStatus(activity, 'paid')
      case 'PaymentRequestDeclined':
        this.setStatus(activity, 'declined')
        this.insert(this.row(activity, 'request-declined', `declined:${activity.requestId ?? this.counter++}`))
        return true
      case 'PaymentRequestCancelled':
        this.setStatus(activity, 'cancelled')
        this.insert(this.row(activity, 'request-cancelled', `cancelled:${activity.requestId ?? this.counter++}`))
        return true
      default:
        return false
    }
  }

  /** Rows of requests `userId` made, newest first. */
  requestsFrom(userId: string): FeedRow[] {
    return this.rows.filter((row) => row.kind === 'request' && row.fromUserId === userId)
  }

  private row(a: Activity, kind: RowKind, key: string): FeedRow {
    return {
      key,
      kind,
      timestamp: a.timestamp,
      amount: Number(a.amount),
      fromUserId: a.fromUserId,
      fromUserName: a.fromUserName,
      toUserId: a.toUserId,
      toUserName: a.toUserName,
      notes: a.notes ?? '',
      requestId: a.requestId ?? undefined,
      commandId: commandOf(a),
      visibility: ((a as { visibility?: Visibility | null }).visibility ?? undefined) || undefined,
      status: kind === 'request' ? ((a.status as RequestStatus | null | undefined) ?? 'pending') : undefined,
      legs: new Set(),
    }
  }

  private addLeg(a: Activity, leg: ActivityEvent): boolean {
    const command = commandOf(a)
    const twin = this.rows.find(
      (row) =>
        row.kind === 'payment' &&
        (command && row.commandId ? row.commandId === command : true) &&
        !row.legs.has(leg) &&
        row.fromUserId === a.fromUserId &&
        row.toUserId === a.toUserId &&
        row.amount === Number(a.amount) &&
        (a.requestId ? !row.requestId || row.requestId === a.requestId : true) &&
        Math.abs(row.timestamp - a.timestamp) <= LEG_WINDOW_MS,
    )
    if (twin) {
      twin.legs.add(leg)
      twin.requestId ??= a.requestId ?? undefined
      if (!twin.notes && a.notes) twin.notes = a.notes
      return true
    }
    const row = this.row(a, 'payment', `payment:${this.counter++}`)
    row.legs.add(leg)
    this.insert(row)
    return true
  }

  private addRequest(a: Activity): boolean {
    const id = a.requestId ?? `anonymous-${this.counter++}`
    const existing = this.byKey.get(requestKey(id))
    if (existing) return false
    this.insert(this.row(a, 'request', requestKey(id)))
    return true
  }

  private setStatus(a: Activity, status: RequestStatus): boolean {
    if (!a.requestId) return false
    const row = this.byKey.get(requestKey(a.requestId))
    if (!row || row.status === status) return false
    row.status = status
    return true
  }

  private insert(row: FeedRow): void {
    this.byKey.set(row.key, row)
    // Records mostly arrive in time order: search from the top, where new ones go.
    let index = 0
    while (index < this.rows.length && this.rows[index]!.timestamp > row.timestamp) index++
    this.rows.splice(index, 0, row)
  }
}

export type Direction = 'in' | 'out' | 'none'

export interface RowText {
  text: string
  direction: Direction
  /** The amount as shown at the end of the row: signed when it is my money. */
  amount: string
}

/** "You paid Bob $5.00", from the point of view of `me` (a user id). */
export function describeRow(row: FeedRow, me: string): RowText {
  const amount = formatMoney(row.amount)
  const from = row.fromUserId === me ? 'You' : row.fromUserName || 'Someone'
  const to = row.toUserId === me ? 'you' : row.toUserName || 'someone'
  const fromMe = row.fromUserId === me
  const toMe = row.toUserId === me
  const signed = (direction: Direction): RowText['amount'] =>
    direction === 'out' ? `−${amount}` : direction === 'in' ? `+${amount}` : amount
  const result = (text: string, direction: Direction): RowText => ({ text, direction, amount: signed(direction) })
  switch (row.kind) {
    case 'payment':
      return result(`${from} paid ${to} ${amount}`, fromMe ? 'out' : toMe ? 'in' : 'none')
    case 'deposit':
      return toMe
        ? result(`You received a deposit of ${amount}`, 'in')
        : result(`${row.toUserName} received a deposit of ${amount}`, 'none')
    case 'request':
      return result(`${from} requested ${amount} from ${to}`, 'none')
    case 'request-declined': {
      const requester = fromMe ? 'your' : `${row.fromUserName}’s`
      const payer = toMe ? 'You' : row.toUserName
      return result(`${payer} declined ${requester} request for ${amount}`, 'none')
    }
    case 'request-cancelled':
      if (fromMe) return result(`You cancelled your request for ${amount} from ${row.toUserName}`, 'none')
      if (toMe) return result(`${row.fromUserName} cancelled their request for ${amount} from you`, 'none')
      return result(`${row.fromUserName} cancelled a request for ${amount} from ${row.toUserName}`, 'none')
  }
}

/** Whether the row concerns `me` (the "You" tab of the feed). */
export function involves(row: FeedRow, me: string): boolean {
  return row.fromUserId === me || row.toUserId === me
}
