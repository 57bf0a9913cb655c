import { describe, expect, it } from 'vitest'
import { AMOUNT_REASONS } from './money'
import { checkPayForm, pickable, requestClosedMessage, type PayFormInput } from './payForm'

const me = 'local|alice'
const base: PayFormInput = { mode: 'pay', userId: 'local|bob', amount: '7.50', notes: '' }
const check = (input: Partial<PayFormInput>, balance: number | null = 100) =>
  checkPayForm({ ...base, ...input }, { me, balance })

describe('the Pay / Request form', () => {
  it('accepts a valid payment and normalises the amount', () => {
    expect(check({ amount: '$7.5' })).toEqual({ ok: true, errors: {}, amount: '7.50', overBalance: false })
  })

  it.each([
    ['', AMOUNT_REASONS.empty],
    ['0', AMOUNT_REASONS.notPositive],
    ['-5', AMOUNT_REASONS.notPositive],
    ['1.005', AMOUNT_REASONS.tooManyDecimals],
    ['1e3', AMOUNT_REASONS.exponent],
    ['NaN', AMOUNT_REASONS.notFinite],
    ['1000000.01', AMOUNT_REASONS.tooLarge],
    ['12,50', AMOUNT_REASONS.invalid],
  ])('refuses the amount %j as the server does: %s', (amount, reason) => {
    const result = check({ amount })
    expect(result.ok).toBe(false)
    expect(result.errors.amount).toBe(reason)
  })

  it('needs someone to pay, who is not me and not a system account', () => {
    expect(check({ userId: '' }).errors.userId).toBe('Choose who to pay.')
    expect(check({ userId: '', mode: 'request' }).errors.userId).toBe('Choose who to ask.')
    expect(check({ userId: me }).errors.userId).toBe('You cannot pay yourself.')
    expect(check({ userId: me, mode: 'request' }).errors.userId).toBe('You cannot ask for money yourself.')
    expect(check({ userId: 'system|bank' }).errors.userId).toBe('Choose a person, not a StreamPay account.')
  })

  it('limits notes to 500 characters, counting emoji as one', () => {
    expect(check({ notes: '🍕'.repeat(500) }).ok).toBe(true)
    expect(check({ notes: 'x'.repeat(501) }).errors.notes).toBe('Notes can be at most 500 characters.')
  })

  it('stops a payment of more than the balance before it is sent', () => {
    const result = check({ amount: '120' }, 12)
    expect(result.ok).toBe(false)
    expect(result.errors.amount).toBe('This is more than your balance ($12.00).')
    expect(result.overBalance).toBe(true)
    expect(check({ amount: '120', mode: 'request' }, 12).ok).toBe(true)
    expect(check({ amount: '12.00' }, 12).ok).toBe(true)
    expect(check({ amount: '120' }, null).ok).toBe(true)
  })

  it('says in plain words how a request closed, without its id', () => {
    const closed = (eventName: string, requestId = 'r-1') =>
      requestClosedMessage(
        { eventName, requestId, fromUserId: 'local|bob', fromUserName: 'Bob Stone', toUserId: me } as never,
        'r-1',
        me,
      )
    expect(closed('PaymentRequestCancelled')).toBe('Bob Stone cancelled this request.')
    expect(closed('PaymentRequestDeclined')).toBe('You declined this request.')
    expect(closed('PaymentRequestPaid')).toBe('You have already paid this request.')
    expect(closed('PaymentRequested')).toBeNull()
    expect(closed('PaymentRequestPaid', 'r-2')).toBeNull()
  })

  it('pays a request only in full', () => {
    expect(check({ amount: '7.50', requestedAmount: '7.50' }).ok).toBe(true)
    expect(check({ amount: '7', requestedAmount: '7.50' }).errors.amount).toBe('A request is paid in full: $7.50.')
  })
})

describe('the user picker', () => {
  const users = [
    { id: 'local|alice', name: 'Alice Doe', username: 'alice' },
    { id: 'local|bob', name: 'Bob Stone', username: 'bob' },
    { id: 'local|rob', name: 'Robert Bobson', username: 'rob' },
    { id: 'virtual|virtual-user-1', name: 'Carol Vee', username: 'virtual-user-1' },
    { id: 'system|bank', name: 'StreamPay', username: 'bank' },
  ]

  it('never offers me or a system account', () => {
    expect(pickable(users, me, '').map((u) => u.username)).toEqual(['bob', 'virtual-user-1', 'rob'])
  })

  it('searches names and usernames, matches at the start first', () => {
    expect(pickable(users, me, 'bob').map((u) => u.username)).toEqual(['bob', 'rob'])
    expect(pickable(users, me, '@VIRTUAL').map((u) => u.username)).toEqual(['virtual-user-1'])
    expect(pickable(users, me, 'alice')).toEqual([])
  })
})
