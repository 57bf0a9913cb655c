/**
 * Commands: pay, request, decline, cancel. Each submission carries an `Idempotency-Key`; the
 * same key is sent again when the user retries after the request got no answer, so a retry can
 * never pay twice (the gateway answers it from the first reply). A payment also carries
 * `If-Match` with the balance version the form showed, so it is refused (412) if the balance
 * moved meanwhile.
 */
import { apiFetch, describeProblem, NetworkError, readProblem, type Problem } from './http'
import type { PayCommand, PayReply, RequestReply, Visibility } from './types'

export type Outcome<T> =
  | { kind: 'done'; status: number; value: T; replayed: boolean }
  | { kind: 'refused'; status: number; problem: Problem; message: string }
  /** No answer: the command may or may not have been applied. Retry with the same key. */
  | { kind: 'unanswered'; message: string }

/** A `PayCommand` whose amount is the validated text ("7.50"), written into the JSON as a number. */
export type PayBody = Omit<PayCommand, 'amount' | 'notes' | 'requestId' | 'visibility'> & {
  amount: string
  notes: string
  requestId?: string
  /** Private (the default) unless the payer makes it public; a request's payment is private. */
  visibility?: Visibility
}

/** A request is always private: it has no visibility to choose. */
export type RequestBody = Omit<PayBody, 'requestId' | 'visibility'>

export const ROUTES = {
  pay: '/pay',
  request: '/request',
  decline: (id: string) => `/payment-requests/${encodeURIComponent(id)}/decline`,
  cancel: (id: string) => `/payment-requests/${encodeURIComponent(id)}/cancel`,
  paymentRequest: (id: string) => `/payment-requests/${encodeURIComponent(id)}`,
} as const

const AMOUNT = /^\d{1,7}\.\d{2}$/

/** JSON with the amount as an exact number: `{"userId":"local|bob","amount":7.50,...}`. */
export function commandJson(body: PayBody | RequestBody): string {
  if (!AMOUNT.test(body.amount)) throw new Error(`not a validated amount: ${body.amount}`)
  // A placeholder no string value can contain (a JSON string never holds a bare quote).
  const placeholder = `amount-${crypto.randomUUID()}`
  const { userId, amount, notes, ...rest } = body
  const json = JSON.stringify({ userId, amount: placeholder, notes, ...rest })
  return json.replace(`"${placeholder}"`, amount)
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID()
}

/** How long to follow a 202 Accepted before telling the user it is still being processed. */
const FOLLOW_MS = 30_000

async function follow(location: string, signal?: AbortSignal): Promise<Response> {
  const until = Date.now() + FOLLOW_MS
  for (;;) {
    const response = await apiFetch(location, { headers: { Prefer: 'wait=10' }, signal })
    if (response.status !== 202 || Date.now() > until) return response
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/**
 * POSTs the command; while an earlier attempt with the same key is still being answered (an
 * attempt cut off by a reload), the gateway says 409 with `Retry-After`: ask again then.
 */
async function post(path: string, rawJson: string | undefined, headers: Record<string, string>): Promise<Response> {
  const until = Date.now() + FOLLOW_MS
  for (;;) {
    const response = await apiFetch(path, { method: 'POST', rawJson, headers })
    const retryAfter = Number(response.headers.get('Retry-After'))
    if (response.status !== 409 || !(retryAfter > 0) || Date.now() > until) return response
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000))
  }
}

export async function send<T>(
  path: string,
  rawJson: string | undefined,
  headers: Record<string, string>,
): Promise<Outcome<T>> {
  let response: Response
  try {
    response = await post(path, rawJson, headers)
    const location = response.headers.get('Location')
    if (response.status === 202 && location) response = await follow(location)
  } catch (error) {
    if (error instanceof NetworkError) return { kind: 'unanswered', message: error.message }
    throw error
  }
  if (response.status === 202) {
    return { kind: 'unanswered', message: 'StreamPay is still processing this. Retry in a moment to see the result.' }
  }
  if (response.status === 504) {
    return { kind: 'unanswered', message: 'StreamPay did not answer in time. Retry to see whether it went through.' }
  }
  if (!response.ok) {
    const problem = await readProblem(response)
    return { kind: 'refused', status: response.status, problem, message: describeProblem(response.status, problem) }
  }
  const text = await response.text()
  let value: unknown = null
  try {
    value = text ? JSON.parse(text) : null
  } catch {
    value = null
  }
  return {
    kind: 'done',
    status: response.status,
    value: value as T,
    replayed: response.headers.get('Idempotent-Replayed') === 'true',
  }
}

/**
 * One thing the user is sending. The key stays the same for as long as the body does and no
 * answer came back; a changed body, or any answer, starts a new submission with a new key.
 */
export class Submission {
  private pending: { key: string; json: string } | null = null

  keyFor(json: string): string {
    if (this.pending && this.pending.json === json) return this.pending.key
    this.pending = { key: newIdempotencyKey(), json }
    return this.pending.key
  }

  /** Carry on a submission made before (e.g. before a reload): its body goes with its key. */
  resume(json: string, key: string): void {
    this.pending = { key, json }
  }

  /** The last attempt got an answer: the next submission is a new one. */
  settle(): void {
    this.pending = null
  }

  get awaitingRetry(): boolean {
    return this.pending !== null
  }
}

export async function pay(
  body: PayBody,
  balanceVersion: number | null,
  submission: Submission,
): Promise<Outcome<PayReply>> {
  const json = commandJson(body)
  const headers: Record<string, string> = { 'Idempotency-Key': submission.keyFor(json) }
  if (balanceVersion !== null) headers['If-Match'] = `"${balanceVersion}"`
  const outcome = await send<PayReply>(ROUTES.pay, json, headers)
  if (outcome.kind !== 'unanswered') submission.settle()
  return outcome
}

export async function requestMoney(body: RequestBody, submission: Submission): Promise<Outcome<RequestReply>> {
  const json = commandJson(body)
  const outcome = await send<RequestReply>(ROUTES.request, json, { 'Idempotency-Key': submission.keyFor(json) })
  if (outcome.kind !== 'unanswered') submission.settle()
  return outcome
}

/** Decline (payer) or cancel (requester) an open request. */
export async function answerRequest(action: 'decline' | 'cancel', id: string): Promise<Outcome<unknown>> {
  const path = action === 'decline' ? ROUTES.decline(id) : ROUTES.cancel(id)
  return send<unknown>(path, undefined, { 'Idempotency-Key': newIdempotencyKey() })
}
