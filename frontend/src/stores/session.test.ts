import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { apiFetch } from '../api/http'
import { SESSION_KEY } from '../lib/session'
import { fakeJwt, json, settle } from '../test/fakeStream'
import { initSession, renewalLead, renew, session, signInWithName, signOut, signOutReason } from './session'

let issued = 0
let fetchMock: ReturnType<typeof vi.fn>

function tokenFor(username: string, lifetime: number) {
  issued += 1
  return fakeJwt({ sub: `local|${username}`, exp: Math.floor(Date.now() / 1000) + lifetime, n: issued })
}

beforeEach(() => {
  sessionStorage.clear()
  issued = 0
  fetchMock = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    if (String(url) === '/auth/token') {
      const { username } = JSON.parse(String(init?.body)) as { username: string }
      return json({ access_token: tokenFor(username, 600), token_type: 'Bearer', expires_in: 600, scope: 'read:users' })
    }
    if (String(url) === '/current-user') return new Response(null, { status: 204 })
    return json({})
  })
  vi.stubGlobal('fetch', fetchMock)
  initSession({ config: { kind: 'dev' } })
})

afterEach(() => {
  signOut()
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('session', () => {
  it('renews a fifth of the lifetime before expiry, between 10 s and 2 minutes', () => {
    expect(renewalLead(3_600_000)).toBe(120_000)
    expect(renewalLead(300_000)).toBe(60_000)
    expect(renewalLead(20_000)).toBe(10_000)
  })

  it('signs in, registers the user with PUT /current-user and keeps the session for a reload', async () => {
    const result = await signInWithName('alice', 'Alice Doe')
    expect(result.ok).toBe(true)
    const put = fetchMock.mock.calls.find(([url]) => String(url) === '/current-user')!
    expect(put[1].method).toBe('PUT')
    expect(JSON.parse(put[1].body)).toEqual({ name: 'Alice Doe', username: 'alice' })
    expect(put[1].headers.Authorization).toMatch(/^Bearer /)
    expect(session.value).toMatchObject({ provider: 'dev', userId: 'local|alice', name: 'Alice Doe' })
    expect(JSON.parse(sessionStorage.getItem(SESSION_KEY)!).userId).toBe('local|alice')
  })

  it('does not sign in when the user cannot be registered', async () => {
    fetchMock.mockImplementation(async (url: RequestInfo | URL) =>
      String(url) === '/auth/token'
        ? json({ access_token: tokenFor('bob', 600), expires_in: 600 })
        : json({ status: 503, detail: 'the broker is not reachable' }, 503),
    )
    const result = await signInWithName('bob', 'Bob')
    expect(result).toEqual({ ok: false, status: 503, message: 'The broker is not reachable.' })
    expect(session.value).toBeNull()
  })

  it('re-issues the token before it expires', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    await signInWithName('alice', 'Alice Doe')
    const first = session.value!.accessToken
    await vi.advanceTimersByTimeAsync(600_000 - 120_000 - 1000)
    expect(session.value!.accessToken).toBe(first)
    await vi.advanceTimersByTimeAsync(2000)
    expect(session.value!.accessToken).not.toBe(first)
    expect(fetchMock.mock.calls.filter(([url]) => String(url) === '/auth/token')).toHaveLength(2)
  })

  it('renews once for many callers, and the API client retries a 401 with the new token', async () => {
    await signInWithName('alice', 'Alice Doe')
    const first = session.value!.accessToken
    fetchMock.mockClear()
    let usersCalls = 0
    fetchMock.mockImplementation(async (url: RequestInfo | URL, init?: RequestInit) => {
      if (String(url) === '/auth/token') return json({ access_token: tokenFor('alice', 600), expires_in: 600 })
      usersCalls += 1
      const auth = (init?.headers as Record<string, string>).Authorization
      return auth === `Bearer ${first}` ? json({ status: 401 }, 401) : json([])
    })
    const [a, b] = await Promise.all([renew(), renew()])
    expect(a && b).toBe(true)
    expect(fetchMock.mock.calls.filter(([url]) => String(url) === '/auth/token')).toHaveLength(1)
    const response = await apiFetch('/users')
    expect(response.status).toBe(200)
    expect(usersCalls).toBe(1)
  })

  it('signs out with a reason when the provider refuses to renew', async () => {
    await signInWithName('alice', 'Alice Doe')
    fetchMock.mockImplementation(async () => json({ status: 403, detail: 'development sign-in is disabled' }, 403))
    expect(await renew()).toBe(false)
    await settle()
    expect(session.value).toBeNull()
    expect(signOutReason.value).toBe('Your session has ended. Sign in again.')
    expect(sessionStorage.getItem(SESSION_KEY)).toBeNull()
  })
})
