/**
 * Who is signed in, for the whole app: sign-in, renewal before expiry, sign-out.
 *
 * The token is renewed a little before it expires (development provider: the same
 * `POST /auth/token` again; OIDC: the refresh token), and at once when the gateway refuses it or
 * a live stream warns that it is about to expire. Concurrent renewals share one request.
 */
import { computed, shallowRef } from 'vue'
import { apiFetch, describeProblem, readProblem, useTokenSource, type Result } from '../api/http'
import type { UserProfile } from '../api/models'
import { authConfig, type AuthConfig } from '../auth/config'
import { devSignIn } from '../auth/dev'
import { authorizationUrl, completeSignIn, refresh } from '../auth/oidc'
import { clearSession, loadSession, saveSession, type Session } from '../lib/session'

/** Renew this long before expiry: a fifth of the token's life, between 10 s and 2 min. */
export function renewalLead(lifetimeMs: number): number {
  return Math.min(120_000, Math.max(10_000, lifetimeMs / 5))
}

const current = shallowRef<Session | null>(null)
/** Why the user was signed out, shown on the sign-in page ('' after a deliberate sign-out). */
export const signOutReason = shallowRef('')
export const session = computed(() => current.value)
export const isSignedIn = computed(() => current.value !== null)

let config: AuthConfig = { kind: 'dev' }
let timer: ReturnType<typeof setTimeout> | undefined
let renewing: Promise<boolean> | null = null
let issuedAt = Date.now()

function set(next: Session | null): void {
  current.value = next
  if (timer !== undefined) clearTimeout(timer)
  timer = undefined
  if (!next) return
  saveSession(next)
  const lifetime = Math.max(0, next.expiresAt - issuedAt)
  const delay = next.expiresAt - renewalLead(lifetime) - Date.now()
  timer = setTimeout(() => void renew(), Math.max(0, delay))
}

/** Restores the tab's session (a reload keeps it) and wires the API client to it. */
export function initSession(options: { config?: AuthConfig } = {}): void {
  config = options.config ?? authConfig()
  useTokenSource({ token: () => current.value?.accessToken ?? null, renew })
  const stored = loadSession()
  issuedAt = Date.now()
  if (stored) set(stored)
}

async function registerUser(s: Session): Promise<Result<Session>> {
  // The user appears on `users`; the streams service grants a starting balance the first time.
  let response: Response
  try {
    response = await apiFetch('/current-user', {
      method: 'PUT',
      json: { name: s.name, username: s.username } satisfies UserProfile,
      headers: { Authorization: `Bearer ${s.accessToken}` },
      auth: false,
    })
  } catch (error) {
    return { ok: false, message: (error as Error).message }
  }
  if (!response.ok) {
    return { ok: false, status: response.status, message: describeProblem(response.status, await readProblem(response)) }
  }
  return { ok: true, value: s }
}

/** Development sign-in; `system` asks for the System section's scope too. */
export async function signInWithName(username: string, name: string, system = false): Promise<Result<Session>> {
  const issued = await devSignIn(username, name, fetch, { system })
  if (!issued.ok) return issued
  const registered = await registerUser(issued.value)
  if (!registered.ok) return registered
  issuedAt = Date.now()
  signOutReason.value = ''
  set(registered.value)
  return registered
}

/** OIDC: off to the provider's sign-in page; it comes back to `/signin/callback`. */
export async function startProviderSignIn(next: string): Promise<void> {
  if (config.kind !== 'oidc') throw new Error('no OIDC provider is configured')
  window.location.assign(await authorizationUrl(config, next))
}

export async function finishProviderSignIn(query: URLSearchParams): Promise<Result<string>> {
  if (config.kind !== 'oidc') return { ok: false, message: 'No identity provider is configured.' }
  try {
    const { session: s, next } = await completeSignIn(config, query)
    const registered = await registerUser(s)
    if (!registered.ok) return registered
    issuedAt = Date.now()
    set(s)
    return { ok: true, value: next }
  } catch (error) {
    return { ok: false, message: (error as Error).message }
  }
}

async function renewOnce(): Promise<boolean> {
  const s = current.value
  if (!s) return false
  let next: Session | null = null
  if (s.provider === 'dev') {
    const issued = await devSignIn(s.username, s.name, fetch, { scope: s.scope || undefined })
    if (issued.ok) next = { ...issued.value, userId: issued.value.userId || s.userId }
    else if (issued.status === undefined && s.expiresAt > Date.now()) {
      // Offline for now: try again shortly while the token is still valid.
      timer = setTimeout(() => void renew(), 5000)
      return false
    }
  } else if (config.kind === 'oidc') {
    next = await refresh(config, s)
  }
  if (!next) {
    signOut('Your session has ended. Sign in again.')
    return false
  }
  issuedAt = Date.now()
  set(next)
  return true
}

/** A fresh token now; false (and signed out) when none can be had. */
export function renew(): Promise<boolean> {
  renewing ??= renewOnce().finally(() => {
    renewing = null
  })
  return renewing
}

export function signOut(reason = ''): void {
  signOutReason.value = reason
  clearSession()
  set(null)
}

export function authKind(): AuthConfig['kind'] {
  return config.kind
}
