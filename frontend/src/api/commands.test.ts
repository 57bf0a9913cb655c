import { afterEach, describe, expect, it, vi } from 'vitest'
import { json } from '../test/fakeStream'
import { answerRequest, commandJson, pay, requestMoney, Submission } from './commands'
import { describeProblem } from './http'

interface Call {
  url: string
  method?: string
  headers: Record<string, string>
  body?: string
}

function stubFetch(...answers: (Response | Error)[]): Call[] {
  const calls: Call[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
      calls.push({
        url: String(url),
        method: init?.method,
        headers: { ...(init?.headers as Record<string, string>) },
        body: init?.body as string | undefined,
      })
      const answer = answers.shift() ?? json({})
      if (answer instanceof Error) throw answer
      return answer
    }),
  )
  return calls
}

afterEach(() => vi.unstubAllGlobals())

describe('commandJson', () => {
  it('writes the amount as an exact JSON number', () => {
    expect(commandJson({ userId: 'local|bob', amount: '7.50', notes: 'pizza "night"' })).toBe(
      '{"userId":"local|bob","amount":7.50,"notes":"pizza \\"night\\""}',
    )
    expect(commandJson({ userId: 'local|bob', amount: '1000000.00', notes: '', requestId: 'r-1' })).toBe(
      '{"userId":"local|bob","amount":1000000.00,"notes":"","requestId":"r-1"}',
    )
  })

  it('refuses an amount that was not validated', () => {
    expect(() => commandJson({ userId: 'local|bob', amount: '1e3', notes: '' })).toThrow()
  })
})

describe('pay', () => {
  const body = { userId: 'local|bob', amount: '7.50', notes: '' }

  it('sends a fresh idempotency key per submission and If-Match with the balance version', async () => {
    const calls = stubFetch(json({ commandId: 'c', amount: 7.5, balance: 92.5, version: 4 }), json({}))
    const submission = new Submission()
    const first = await pay(body, 3, submission)
    expect(first).toMatchObject({ kind: 'done', status: 200, value: { balance: 92.5, version: 4 } })
    await pay(body, 4, submission)
    expect(calls[0]).toMatchObject({ url: '/pay', method: 'POST', headers: { 'If-Match': '"3"' } })
    expect(calls[0]!.headers['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
    expect(calls[1]!.headers['Idempotency-Key']).not.toBe(calls[0]!.headers['Idempotency-Key'])
  })

  it('reuses the key when retrying after a network error, so it cannot pay twice', async () => {
    const calls = stubFetch(new TypeError('Failed to fetch'), json({ commandId: 'c' }, 200, { 'Idempotent-Replayed': 'true' }))
    const submission = new Submission()
    const first = await pay(body, 3, submission)
    expect(first).toEqual({ kind: 'unanswered', message: 'Could not reach StreamPay. Check your connection and try again.' })
    expect(submission.awaitingRetry).toBe(true)
    const retry = await pay(body, 3, submission)
    expect(retry).toMatchObject({ kind: 'done', replayed: true })
    expect(calls[1]!.headers['Idempotency-Key']).toBe(calls[0]!.headers['Idempotency-Key'])
    expect(submission.awaitingRetry).toBe(false)
  })

  it('resumes a submission made before a reload with its key, and waits out an attempt still answered', async () => {
    const busy = json({ status: 409, detail: 'a command with this Idempotency-Key is still in progress' }, 409, { 'Retry-After': '0.01' })
    const calls = stubFetch(busy, json({ commandId: 'c' }, 200, { 'Idempotent-Replayed': 'true' }))
    const submission = new Submission()
    submission.resume(commandJson(body), 'key-from-before')
    expect(await pay(body, 3, submission)).toMatchObject({ kind: 'done', replayed: true })
    expect(calls.map((c) => c.headers['Idempotency-Key'])).toEqual(['key-from-before', 'key-from-before'])
  })

  it('uses a new key when the body changed after a network error', async () => {
    const calls = stubFetch(new TypeError('Failed to fetch'), json({}))
    const submission = new Submission()
    await pay(body, 3, submission)
    await pay({ ...body, amount: '8.00' }, 3, submission)
    expect(calls[1]!.headers['Idempotency-Key']).not.toBe(calls[0]!.headers['Idempotency-Key'])
  })

  it('says "Not enough money" with the balance the server reports', async () => {
    stubFetch(json({ title: 'Conflict', status: 409, detail: 'insufficient funds', balance: 12 }, 409))
    const outcome = await pay({ ...body, amount: '50.00' }, 3, new Submission())
    expect(outcome).toMatchObject({ kind: 'refused', status: 409, message: 'Not enough money: balance $12.00' })
  })

  it('follows a 202 Accepted to its reply', async () => {
    const calls = stubFetch(
      json({ correlationId: 'c1', location: '/command-replies/c1' }, 202, { Location: '/command-replies/c1' }),
      json({ commandId: 'c1', amount: 7.5, balance: 1, version: 9 }),
    )
    const outcome = await pay(body, null, new Submission())
    expect(outcome).toMatchObject({ kind: 'done', value: { version: 9 } })
    expect(calls[1]).toMatchObject({ url: '/command-replies/c1', headers: { Prefer: 'wait=10' } })
    expect(calls[0]!.headers['If-Match']).toBeUndefined()
  })
})

describe('requests', () => {
  it('requests money with a key, and declines and cancels by id', async () => {
    const calls = stubFetch(json({ id: 'r-9' }, 201), json({}), json({}))
    const outcome = await requestMoney({ userId: 'local|bob', amount: '7.50', notes: 'lunch' }, new Submission())
    expect(outcome).toMatchObject({ kind: 'done', status: 201, value: { id: 'r-9' } })
    await answerRequest('decline', 'r-9')
    await answerRequest('cancel', 'r-9')
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST /request',
      'POST /payment-requests/r-9/decline',
      'POST /payment-requests/r-9/cancel',
    ])
    expect(calls[0]!.body).toBe('{"userId":"local|bob","amount":7.50,"notes":"lunch"}')
  })
})

describe('describeProblem', () => {
  it.each([
    [409, { detail: 'not enough funds: balance 12.00', balance: '12.00' }, 'Not enough money: balance $12.00'],
    [409, { detail: 'insufficient funds' }, 'Not enough money for this payment.'],
    [409, { detail: 'the payment request r-1 is no longer open' }, 'This request is no longer open.'],
    [409, { detail: 'Request 0b6a-41 is no longer open: it was cancelled', requestStatus: 'cancelled' }, 'This request has already been cancelled.'],
    [409, { detail: 'Request r-1 is for 7.50, not 8.00', requestedAmount: 7.5 }, 'A request is paid in full: $7.50.'],
    [404, { detail: 'there is no open payment request 5f0c2a71-0d5e-4a8e-9c61-2b7e0f5d9a10 of yours' }, 'This request is no longer open.'],
    [400, { detail: 'local|bank is a StreamPay system account, not a person' }, 'Choose a person, not a StreamPay account.'],
    [403, { detail: 'Only the StreamPay bank (system|bank) can deposit money' }, 'Only the StreamPay bank can deposit money.'],
    [412, { detail: 'Your balance changed since you last saw it (version 3, now 4)' }, 'Your balance changed while you were filling in the form. Check it and send again.'],
    [400, { detail: 'amount: amount must be greater than 0' }, 'Amount must be greater than 0.'],
    [404, { detail: 'there is no user local|zed' }, 'That person was not found on StreamPay.'],
    [422, { detail: 'the idempotency key was already used with a different body' }, 'This was already sent with different details. Start again to send a new one.'],
    [500, { title: 'Internal Server Error' }, 'Internal Server Error.'],
    [502, {}, 'Something went wrong (HTTP 502).'],
  ])('%i %j → %s', (status, problem, message) => {
    expect(describeProblem(status, problem)).toBe(message)
  })
})
