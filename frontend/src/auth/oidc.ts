/**
 * Signing in with an OpenID Connect provider: authorization code flow with PKCE (RFC 7636),
 * for a public client (no secret in the browser). Renewal uses the refresh token when the
 * provider issues one (`offline_access`); otherwise the user signs in again at expiry.
 */
import type { Session } from '../lib/session'
import type { OidcAuthConfig } from './config'
import { decodeClaims, type Claims } from './jwt'

const PENDING_KEY = 'streampay.oidc.pending'

interface Discovery {
  authorization_endpoint: string
  token_endpoint: string
  end_session_endpoint?: string
}

interface TokenSet {
  access_token: string
  token_type?: string
  expires_in?: number
  refresh_token?: string
  id_token?: string
  scope?: string
}

const discoveries = new Map<string, Promise<Discovery>>()

export function discover(issuer: string, fetchImpl: typeof fetch = fetch): Promise<Discovery> {
  let found = discoveries.get(issuer)
  if (!found) {
    found = fetchImpl(`${issuer}/.well-known/openid-configuration`).then(async (response) => {
      if (!response.ok) throw new Error(`the provider's discovery document answered HTTP ${response.status}`)
      return (await response.json()) as Discovery
    })
    found.catch(() => discoveries.delete(issuer))
    discoveries.set(issuer, found)
  }
  return found
}

function base64Url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function randomString(bytes = 32): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)))
}

export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  return base64Url(new Uint8Array(digest))
}

/** The provider's sign-in URL; remembers the PKCE verifier and state for the callback. */
export async function authorizationUrl(config: OidcAuthConfig, next: string, fetchImpl?: typeof fetch): Promise<string> {
  const { authorization_endpoint } = await discover(config.issuer, fetchImpl)
  const verifier = randomString()
  const state = randomString(16)
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, next }))
  const url = new URL(authorization_endpoint)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: config.scope,
    audience: config.audience,
    state,
    code_challenge: await codeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString()
  return url.toString()
}

/** A StreamPay username made from the provider's profile: 1–32 of [a-z0-9_.-]. */
export function usernameFrom(claims: Claims): string {
  const source = claims.preferred_username ?? claims.nickname ?? claims.email?.split('@')[0] ?? claims.sub ?? 'user'
  const cleaned = String(source).toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '')
  return (cleaned || 'user').slice(0, 32)
}

function sessionFrom(tokens: TokenSet, previous?: Session): Session {
  const access = decodeClaims(tokens.access_token) ?? {}
  const id = tokens.id_token ? (decodeClaims(tokens.id_token) ?? {}) : {}
  const profile = { ...access, ...id }
  const expiresAt =
    typeof access.exp === 'number' ? access.exp * 1000 : Date.now() + (tokens.expires_in ?? 300) * 1000
  return {
    provider: 'oidc',
    accessToken: tokens.access_token,
    tokenType: tokens.token_type ?? 'Bearer',
    scope: tokens.scope ?? (typeof access.scope === 'string' ? access.scope : ''),
    expiresAt,
    userId: String(access.sub ?? previous?.userId ?? ''),
    username: previous?.username ?? usernameFrom(profile),
    name: previous?.name ?? String(profile.name ?? profile.nickname ?? usernameFrom(profile)),
    refreshToken: tokens.refresh_token ?? previous?.refreshToken,
  }
}

async function tokenRequest(config: OidcAuthConfig, body: Record<string, string>, fetchImpl: typeof fetch): Promise<TokenSet> {
  const { token_endpoint } = await discover(config.issuer, fetchImpl)
  const response = await fetchImpl(token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ client_id: config.clientId, ...body }).toString(),
  })
  const tokens = (await response.json().catch(() => ({}))) as Partial<TokenSet> & { error_description?: string }
  if (!response.ok || typeof tokens.access_token !== 'string') {
    throw new Error(tokens.error_description ?? `the provider refused the sign-in (HTTP ${response.status})`)
  }
  return tokens as TokenSet
}

/** Completes the sign-in on `/signin/callback`: checks the state, redeems the code. */
export async function completeSignIn(
  config: OidcAuthConfig,
  query: URLSearchParams,
  fetchImpl: typeof fetch = fetch,
): Promise<{ session: Session; next: string }> {
  const raw = sessionStorage.getItem(PENDING_KEY)
  sessionStorage.removeItem(PENDING_KEY)
  const pending = raw ? (JSON.parse(raw) as { verifier: string; state: string; next: string }) : null
  const error = query.get('error_description') ?? query.get('error')
  if (error) throw new Error(error)
  const code = query.get('code')
  if (!pending || !code || query.get('state') !== pending.state) {
    throw new Error('This sign-in link is not the one this tab started; sign in again.')
  }
  const tokens = await tokenRequest(
    config,
    { grant_type: 'authorization_code', code, redirect_uri: config.redirectUri, code_verifier: pending.verifier },
    fetchImpl,
  )
  return { session: sessionFrom(tokens), next: pending.next || '/feed' }
}

/** A new access token from the refresh token; null when there is none or it is refused. */
export async function refresh(config: OidcAuthConfig, session: Session, fetchImpl: typeof fetch = fetch): Promise<Session | null> {
  if (!session.refreshToken) return null
  try {
    const tokens = await tokenRequest(config, { grant_type: 'refresh_token', refresh_token: session.refreshToken }, fetchImpl)
    return sessionFrom(tokens, session)
  } catch {
    return null
  }
}
