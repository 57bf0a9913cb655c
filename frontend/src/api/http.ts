/**
 * The gateway client: same-origin requests with the bearer token, one renewal on a 401, and
 * errors as `application/problem+json` (RFC 9457) turned into sentences for people.
 */
import { formatMoney } from '../lib/money'

export type Result<T> = { ok: true; value: T } | { ok: false; message: string; status?: number }

/** An RFC 9457 problem as the gateway sends it, with its extension members. */
export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string | null
  [extension: string]: unknown
}

/** Where the client gets its token; the session store registers itself here. */
export interface TokenSource {
  token(): string | null
  /** Renew the token (it was refused); false when the user must sign in again. */
  renew(): Promise<boolean>
}

let tokens: TokenSource = { token: () => null, renew: async () => false }

export function useTokenSource(source: TokenSource): void {
  tokens = source
}

export function currentToken(): string | null {
  return tokens.token()
}

export function renewToken(): Promise<boolean> {
  return tokens.renew()
}

/** A request that reached the gateway and was refused. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    message: string,
  ) {
    super(message)
  }
}

/** The request never got an answer (offline, gateway down, connection cut). */
export class NetworkError extends Error {}

export async function readProblem(response: Response): Promise<Problem> {
  try {
    const body: unknown = await response.json()
    if (body && typeof body === 'object') return body as Problem
  } catch {
    // not JSON
  }
  return { status: response.status, title: response.statusText }
}

function sentence(text: string): string {
  const trimmed = text.trim()
  if (!trimmed) return trimmed
  const first = trimmed[0]!.toUpperCase() + trimmed.slice(1)
  return /[.!?]$/.test(first) ? first : `${first}.`
}

/**
 * A server detail without the internal ids it may name (user ids such as `local|bob`, request
 * and command ids, balance versions): a person never needs them.
 */
function withoutIds(text: string): string {
  return text
    .replace(/\s*\([^)]*(\bversion\b|\|)[^)]*\)/gi, '')
    .replace(/\s*\b[a-z][\w-]*\|[^\s,;:)]+/gi, '')
    .replace(/\s*\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '')
    .replace(/\s*\b(?=[\w-]*\d)[\w]+-[\w-]+\b/g, '')
    .replace(/\s+([,.;:])/g, '$1')
    .trim()
}

/** What a refused payment or answer says about the request it was for, if anything. */
function requestProblem(status: number, problem: Problem, detail: string): string | null {
  const closed = problem.requestStatus
  if (closed === 'paid' || closed === 'declined' || closed === 'cancelled') return `This request has already been ${closed}.`
  if (problem.requestedAmount !== undefined) return `A request is paid in full: ${formatMoney(problem.requestedAmount as number)}.`
  if (/no (longer )?open|no open (payment )?request/i.test(detail)) return 'This request is no longer open.'
  if (status === 409 && /request .* was made by/i.test(detail)) return 'This payment does not match the request.'
  return null
}

/** What went wrong, in plain words, from a problem the gateway or the streams service sent. */
export function describeProblem(status: number, problem: Problem): string {
  const detail = typeof problem.detail === 'string' ? problem.detail.trim() : ''
  const aboutRequest = requestProblem(status, problem, detail)
  if (aboutRequest) return aboutRequest
  if (status === 404 && /no user/i.test(detail)) return 'That person was not found on StreamPay.'
  if (/system account, not a person/i.test(detail)) return 'Choose a person, not a StreamPay account.'
  const balance = problem.balance
  if (status === 409 && (balance !== undefined || /insufficient|not enough|funds/i.test(detail))) {
    const shown = typeof balance === 'number' || typeof balance === 'string' ? formatMoney(balance) : ''
    return shown && shown !== '—' ? `Not enough money: balance ${shown}` : 'Not enough money for this payment.'
  }
  if (status === 412) {
    return 'Your balance changed while you were filling in the form. Check it and send again.'
  }
  if (status === 401) return 'Your session has ended. Sign in again.'
  if (status === 413) return 'That is too much text. Shorten the notes and try again.'
  if (status === 422 && /idempotency|different body|reused/i.test(detail)) {
    return 'This was already sent with different details. Start again to send a new one.'
  }
  if (status === 504 || status === 503) {
    return detail ? sentence(detail) : 'StreamPay is busy right now. Try again in a moment.'
  }
  if (detail) {
    // Field errors read "amount: amount must be …": keep the part after the field name.
    const field = /^[A-Za-z.]+: (.+)$/.exec(detail)
    return sentence(withoutIds(field ? field[1]! : detail))
  }
  if (typeof problem.title === 'string' && problem.title.trim()) return sentence(problem.title)
  return `Something went wrong (HTTP ${status}).`
}

/** The most useful sentence in an error response. */
export async function problemMessage(response: Response): Promise<string> {
  return describeProblem(response.status, await readProblem(response))
}

export interface ApiRequest extends Omit<RequestInit, 'body' | 'headers'> {
  headers?: Record<string, string>
  /** Sent as JSON. */
  json?: unknown
  /** Sent as it is, as JSON (for bodies whose amounts are written exactly, see commands.ts). */
  rawJson?: string
  /** Send the bearer token (default true). */
  auth?: boolean
}

/** `fetch` with the token, renewing it once on a 401. Throws NetworkError when unanswered. */
export async function apiFetch(path: string, request: ApiRequest = {}): Promise<Response> {
  const { json, rawJson, auth = true, headers = {}, ...init } = request
  const body = rawJson ?? (json === undefined ? undefined : JSON.stringify(json))
  const send = async (): Promise<Response> => {
    const all: Record<string, string> = { Accept: 'application/json', ...headers }
    if (body !== undefined) all['Content-Type'] = 'application/json'
    const token = auth ? tokens.token() : null
    if (token) all.Authorization = `Bearer ${token}`
    try {
      return await fetch(path, { ...init, headers: all, body })
    } catch (error) {
      if (init.signal?.aborted) throw error
      throw new NetworkError('Could not reach StreamPay. Check your connection and try again.')
    }
  }
  let response = await send()
  if (response.status === 401 && auth && (await tokens.renew())) response = await send()
  return response
}

/** GET a JSON resource; ApiError when refused. */
export async function getJson<T>(path: string, init: ApiRequest = {}): Promise<T> {
  const response = await apiFetch(path, init)
  if (!response.ok) {
    const problem = await readProblem(response)
    throw new ApiError(response.status, problem, describeProblem(response.status, problem))
  }
  return (await response.json()) as T
}

/** True when `GET /healthz` answers 2xx within the timeout. */
export async function checkHealth(fetchImpl: typeof fetch = fetch, timeoutMs = 5000): Promise<boolean> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  try {
    const response = await fetchImpl('/healthz', {
      headers: { Accept: 'application/json' },
      cache: 'no-store',
      signal: controller.signal,
    })
    return response.ok
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}
