/**
 * Which identity provider the app signs in with, fixed at build time (Vite `VITE_*` variables;
 * see the README, "Signing in with an OIDC provider").
 *
 * - `dev` (default): the gateway's development provider, `POST /auth/token` with a name.
 * - `oidc`: any OpenID Connect provider (Auth0, Keycloak, ...) with the authorization-code flow
 *   and PKCE; the gateway must then be configured with the same issuer, audience and JWKS.
 */
export interface DevAuthConfig {
  kind: 'dev'
}

export interface OidcAuthConfig {
  kind: 'oidc'
  /** The provider's issuer URL; its discovery document is `<issuer>/.well-known/openid-configuration`. */
  issuer: string
  clientId: string
  /** The API audience the access token must be for (Auth0 needs it; the gateway checks `aud`). */
  audience: string
  /** OIDC scopes plus StreamPay's API scopes. */
  scope: string
  /** Where the provider sends the browser back: this app's `/signin/callback`. */
  redirectUri: string
}

export type AuthConfig = DevAuthConfig | OidcAuthConfig

export const API_SCOPES =
  'read:users write:users read:payment-requests write:pay write:request read:activities read:balances'

type Env = Record<string, string | boolean | undefined>

export function authConfig(env: Env = import.meta.env, origin = globalThis.location?.origin ?? ''): AuthConfig {
  const text = (name: string) => {
    const value = env[name]
    return typeof value === 'string' ? value.trim() : ''
  }
  if (text('VITE_AUTH_PROVIDER') !== 'oidc') return { kind: 'dev' }
  const issuer = text('VITE_OIDC_ISSUER').replace(/\/+$/, '')
  const clientId = text('VITE_OIDC_CLIENT_ID')
  if (!issuer || !clientId) {
    throw new Error('VITE_AUTH_PROVIDER=oidc needs VITE_OIDC_ISSUER and VITE_OIDC_CLIENT_ID')
  }
  return {
    kind: 'oidc',
    issuer,
    clientId,
    audience: text('VITE_OIDC_AUDIENCE') || 'streampay',
    scope: text('VITE_OIDC_SCOPE') || `openid profile offline_access ${API_SCOPES}`,
    redirectUri: text('VITE_OIDC_REDIRECT_URI') || `${origin}/signin/callback`,
  }
}
