/**
 * The signed-in user's token, kept for this browser tab only (sessionStorage): a reload keeps
 * the session, closing the tab ends it, and another tab can sign in as someone else.
 */
export interface Session {
  provider: 'dev' | 'oidc'
  accessToken: string
  tokenType: string
  scope: string
  /** Epoch milliseconds after which the token is no longer valid. */
  expiresAt: number
  /** The token's `sub`, e.g. `local|alice`: the user id everything else refers to. */
  userId: string
  username: string
  name: string
  /** OIDC only: renews the access token without sending the user to the provider again. */
  refreshToken?: string
}

export const SESSION_KEY = 'streampay.session'

export function saveSession(session: Session): void {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session))
}

function isSession(value: unknown): value is Session {
  const s = value as Partial<Session> | null
  return (
    !!s &&
    (s.provider === 'dev' || s.provider === 'oidc') &&
    typeof s.accessToken === 'string' &&
    typeof s.userId === 'string' &&
    typeof s.name === 'string' &&
    typeof s.username === 'string' &&
    typeof s.expiresAt === 'number'
  )
}

/**
 * The stored session, or null when there is none or it is malformed. An expired session is
 * returned too when it can be renewed without the user (a development sign-in, or a refresh
 * token): the caller renews it before use.
 */
export function loadSession(now: number = Date.now()): Session | null {
  const raw = sessionStorage.getItem(SESSION_KEY)
  if (!raw) return null
  try {
    const s: unknown = JSON.parse(raw)
    if (!isSession(s)) throw new Error('malformed')
    if (s.expiresAt <= now && s.provider === 'oidc' && !s.refreshToken) throw new Error('expired')
    return s
  } catch {
    clearSession()
    return null
  }
}

export function clearSession(): void {
  sessionStorage.removeItem(SESSION_KEY)
}
