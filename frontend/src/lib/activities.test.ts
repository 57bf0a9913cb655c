import { describe, expect, it } from 'vitest'
import type { Activity } from '../api/models'
import { describeRow, Feed, involves } from './activities'

const alice = { id: 'local|alice', name: 'Alice' }
const bob = { id: 'local|bob', name: 'Bob' }
const carol = { id: 'local|carol', name: 'Carol' }

function activity(
  eventName: Activity['eventName'],
  from: { id: string; name: string },
  to: { id: string; name: string },
  amount: number,
  timestamp: number,
  extra: Partial<Activity> = {},
): Activity {
  return {
    eventName,
    amount,
    fromUserId: from.id,
    fromUserName: from.name,
    toUserId: to.id,
    toUserName: to.name,
    timestamp,
    notes: '',
    ...extra,
  } as Activity
}

describe('Feed', () => {
  it('shows one row per payment, whichever leg comes first', () => {
    const feed = new Feed()
    feed.add(activity('PaymentReceived', alice, bob, 5, 1001))
    feed.add(activity('PaymentSent', alice, bob, 5, 1000))
    expect(feed.rows).toHaveLength(1)
    expect(feed.rows[0]!.legs.size).toBe(2)
  })

  it('keeps two equal payments apart', () => {
    const feed = new Feed()
    for (const t of [1000, 2000]) {
      feed.add(activity('PaymentSent', alice, bob, 5, t))
      feed.add(activity('PaymentReceived', alice, bob, 5, t))
    }
    expect(feed.rows).toHaveLength(2)
  })

  it('joins the legs of one command by its id, and shows a line re-sent with the same id once', () => {
    const feed = new Feed()
    feed.add(activity('PaymentSent', alice, bob, 5, 1000, { id: 'cmd-1:PaymentSent' } as Partial<Activity>))
    feed.add(activity('PaymentSent', alice, bob, 5, 1000, { id: 'cmd-2:PaymentSent' } as Partial<Activity>))
    feed.add(activity('PaymentReceived', alice, bob, 5, 1000, { id: 'cmd-2:PaymentReceived' } as Partial<Activity>))
    feed.add(activity('PaymentReceived', alice, bob, 5, 1003, { id: 'cmd-1:PaymentReceived' } as Partial<Activity>))
    feed.add(activity('PaymentReceived', alice, bob, 5, 1003, { id: 'cmd-1:PaymentReceived', notes: 'x' } as Partial<Activity>))
    expect(feed.rows).toHaveLength(2)
    expect(feed.rows.map((r) => [r.commandId, r.legs.size]).sort()).toEqual([
      ['cmd-1', 2],
      ['cmd-2', 2],
    ])
  })

  it('ignores a record it has already seen (a replay)', () => {
    const feed = new Feed()
    const sent = activity('PaymentSent', alice, bob, 5, 1000)
    expect(feed.add(sent, JSON.stringify(sent))).toBe(true)
    expect(feed.add(sent, JSON.stringify(sent))).toBe(false)
    expect(feed.rows).toHaveLength(1)
  })

  it('lists newest first, even when older records arrive later', () => {
    const feed = new Feed()
    feed.add(activity('PaymentSent', alice, bob, 1, 3000))
    feed.add(activity('PaymentSent', alice, carol, 2, 1000))
    feed.add(activity('PaymentSent', bob, carol, 3, 2000))
    expect(feed.rows.map((r) => r.amount)).toEqual([1, 3, 2])
  })

  it('updates a request row as the request is paid, and adds rows for declines', () => {
    const feed = new Feed()
    feed.add(activity('PaymentRequested', alice, bob, 7.5, 1000, { requestId: 'r1', status: 'pending' }))
    feed.add(activity('PaymentRequested', alice, carol, 3, 1100, { requestId: 'r2', status: 'pending' }))
    feed.add(activity('PaymentSent', bob, alice, 7.5, 2000, { requestId: 'r1' }))
    feed.add(activity('PaymentReceived', bob, alice, 7.5, 2000, { requestId: 'r1' }))
    feed.add(activity('PaymentRequestPaid', alice, bob, 7.5, 2000, { requestId: 'r1', status: 'paid' }))
    feed.add(activity('PaymentRequestDeclined', alice, carol, 3, 3000, { requestId: 'r2', status: 'declined' }))
    const kinds = feed.rows.map((r) => [r.kind, r.status ?? ''])
    expect(kinds).toEqual([
      ['request-declined', ''],
      ['payment', ''],
      ['request', 'declined'],
      ['request', 'paid'],
    ])
    expect(feed.requestsFrom(alice.id).map((r) => r.requestId)).toEqual(['r2', 'r1'])
  })
})

describe('describeRow', () => {
  const row = (a: Activity) => {
    const feed = new Feed()
    feed.add(a)
    return feed.rows[0]!
  }

  it('says "You paid Bob $5.00" in red for the payer', () => {
    expect(describeRow(row(activity('PaymentSent', alice, bob, 5, 1)), alice.id)).toEqual({
      text: 'You paid Bob $5.00',
      direction: 'out',
      amount: '−$5.00',
    })
  })

  it('says "Alice paid you $5.00" in green for the payee', () => {
    expect(describeRow(row(activity('PaymentReceived', alice, bob, 5, 1)), bob.id)).toEqual({
      text: 'Alice paid you $5.00',
      direction: 'in',
      amount: '+$5.00',
    })
  })

  it('tells other people’s payments neutrally', () => {
    const text = describeRow(row(activity('PaymentSent', alice, bob, 1234.5, 1)), carol.id)
    expect(text).toEqual({ text: 'Alice paid Bob $1,234.50', direction: 'none', amount: '$1,234.50' })
  })

  it('words requests, declines, cancellations and deposits', () => {
    const requested = row(activity('PaymentRequested', alice, bob, 7.5, 1, { requestId: 'r' }))
    expect(describeRow(requested, alice.id).text).toBe('You requested $7.50 from Bob')
    expect(describeRow(requested, bob.id).text).toBe('Alice requested $7.50 from you')
    const declined = row(activity('PaymentRequestDeclined', alice, bob, 7.5, 1, { requestId: 'r' }))
    expect(describeRow(declined, bob.id).text).toBe('You declined Alice’s request for $7.50')
    expect(describeRow(declined, alice.id).text).toBe('Bob declined your request for $7.50')
    const cancelled = row(activity('PaymentRequestCancelled', alice, bob, 7.5, 1, { requestId: 'r' }))
    expect(describeRow(cancelled, alice.id).text).toBe('You cancelled your request for $7.50 from Bob')
    expect(describeRow(cancelled, bob.id).text).toBe('Alice cancelled their request for $7.50 from you')
    const deposit = row(activity('DepositReceived', { id: 'system|bank', name: 'StreamPay' }, bob, 100, 1))
    expect(describeRow(deposit, bob.id)).toEqual({
      text: 'You received a deposit of $100.00',
      direction: 'in',
      amount: '+$100.00',
    })
    expect(involves(deposit, alice.id)).toBe(false)
  })
})
