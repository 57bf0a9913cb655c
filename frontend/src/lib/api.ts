/**
 * Minimal client for the gateway, which serves this app on the same origin as its API.
 * Errors from the gateway are `application/problem+json` (RFC 9457); `problemMessage`
 * turns one into a sentence for the user.
 */
import type { Session } from './session'

export interface TokenResponse {
  access_token: string
  token_type: string
  expires_in: number
  scope: string
}

export type Result<T> = { ok: true; value: T } | { ok: false; message: string; status?: number }

/** Usernames accepted by the development identity provider: 1–32 of [a-z0-9_.-]. */
export const USERNAME_PATTERN = /^[a-z0-9_.-]{1,32}$/

/** The most useful sentence in an error response: problem `detail`, else `title`, else the status. */
export async function problemMessage(response: Response): Promise<string> {
  const fallback = `Request failed (HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}).`
  let body: unknown
  try {
    body = await response.json()
  } catch {
    return fallback
  }
  if (body && typeof body === 'object') {
    const { detail, title } = body as { detail?: unknown; title?: unknown }
    if (typeof detail === 'string' && detail.trim()) return detail
    if (typeof title === 'string' && title.trim()) return title
  }
  return fallback
}

/** Development sign-in: `POST /auth/token` with `{"username", "name"}`. */
export async function signIn(
  username: string,
  name: string,
  fetchImpl: typeof fetch = fetch,
): Promise<Result<Session>> {
  let response: Response
  try {
    response = await fetchImpl('/auth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username, name }),
    })
  } catch {
    return { ok: false, message: 'Could not reach the gateway. Is it running?' }
  }
  if (!response.ok) {
    return { ok: false, status: response.status, message: await problemMessage(response) }
  }
  let token: Partial<TokenResponse>
  try {
    token = (await response.json()) as Partial<TokenResponse>
  } catch {
    return { ok: false, status: response.status, message: 'The gateway sent an unreadable token.' }
  }
  if (typeof token.access_token !== 'string' || token.access_token === '') {
    return { ok: false, status: response.status, message: 'The gateway sent no access token.' }
  }
  const expiresIn = typeof token.expires_in === 'number' ? token.expires_in : 3600
  return {
    ok: true,
    value: {
      accessToken: token.access_token,
      tokenType: token.token_type ?? 'Bearer',
      scope: token.scope ?? '',
      expiresAt: Date.now() + expiresIn * 1000,
      username,
      name,
    },
  }
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
