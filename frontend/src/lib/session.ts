/** The signed-in user's token, kept for this browser tab only (sessionStorage). */
export interface Session {
  accessToken: string
  tokenType: string
  scope: string
  /** Epoch milliseconds after which the token is no longer valid. */
  expiresAt: number
  username: string
  name: string
}

export const SESSION_KEY = 'streampay.session'

export function saveSession(session: Session): void {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session))
}

/** The stored session, or null when there is none, it is malformed, or it has expired. */
export function loadSession(now: number = Date.now()): Session | null {
  const raw = sessionStorage.getItem(SESSION_KEY)
  if (!raw) return null
  try {
    const s = JSON.parse(raw) as Partial<Session>
    if (
      typeof s.accessToken !== 'string' ||
      typeof s.name !== 'string' ||
      typeof s.username !== 'string' ||
      typeof s.expiresAt !== 'number' ||
      s.expiresAt <= now
    ) {
      clearSession()
      return null
    }
    return s as Session
  } catch {
    clearSession()
    return null
  }
}

export function clearSession(): void {
  sessionStorage.removeItem(SESSION_KEY)
}
