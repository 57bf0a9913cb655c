/** The gateway's development identity provider: `POST /auth/token` with a name, no password. */
import { problemMessage, type Result } from '../api/http'
import type { TokenResponse, UserProfile } from '../api/models'
import type { Session } from '../lib/session'
import { decodeClaims } from './jwt'

/** Usernames accepted by the development identity provider: 1–32 of [a-z0-9_.-]. */
export const USERNAME_PATTERN = /^[a-z0-9_.-]{1,32}$/


/**
 * What a token may do: `scope` names its scopes exactly (a renewal asks for those it had);
 * `system` adds `read:system`, the System section, to the default ones.
 */
export interface Grant {
  scope?: string
  system?: boolean
}

/** A token for `username` (also how a development session is renewed: the same call again). */
export async function devSignIn(
  username: string,
  name: string,
  fetchImpl: typeof fetch = fetch,
  grant: Grant = {},
): Promise<Result<Session>> {
  let response: Response
  try {
    response = await fetchImpl('/auth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        ...({ username, name } satisfies UserProfile),
        ...(grant.scope ? { scope: grant.scope } : {}),
        ...(grant.system ? { system: true } : {}),
      }),
    })
  } catch {
    return { ok: false, message: 'Could not reach StreamPay. Check your connection and try again.' }
  }
  if (!response.ok) {
    return { ok: false, status: response.status, message: await problemMessage(response) }
  }
  let token: Partial<Record<keyof TokenResponse, unknown>>
  try {
    token = (await response.json()) as typeof token
  } catch {
    return { ok: false, status: response.status, message: 'The gateway sent an unreadable token.' }
  }
  if (typeof token.access_token !== 'string' || token.access_token === '') {
    return { ok: false, status: response.status, message: 'The gateway sent no access token.' }
  }
  const claims = decodeClaims(token.access_token)
  const expiresIn = typeof token.expires_in === 'number' ? token.expires_in : 3600
  return {
    ok: true,
    value: {
      provider: 'dev',
      accessToken: token.access_token,
      tokenType: typeof token.token_type === 'string' ? token.token_type : 'Bearer',
      scope: typeof token.scope === 'string' ? token.scope : '',
      expiresAt: typeof claims?.exp === 'number' ? claims.exp * 1000 : Date.now() + expiresIn * 1000,
      userId: typeof claims?.sub === 'string' ? claims.sub : `local|${username}`,
      username,
      name,
    },
  }
}
