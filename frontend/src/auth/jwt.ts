/**
 * Reads the claims of a JWT without verifying it. The browser only needs to know who it signed
 * in as and when the token expires; the gateway verifies every token it is sent.
 */
export interface Claims {
  sub?: string
  name?: string
  preferred_username?: string
  nickname?: string
  email?: string
  exp?: number
  scope?: string
  [claim: string]: unknown
}

function base64UrlDecode(text: string): string {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=')
  const binary = atob(padded)
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
  return new TextDecoder().decode(bytes)
}

/** The payload of a compact JWS, or null when `token` is not one. */
export function decodeClaims(token: string): Claims | null {
  const parts = token.split('.')
  if (parts.length !== 3 || !parts[1]) return null
  try {
    const claims: unknown = JSON.parse(base64UrlDecode(parts[1]))
    return claims && typeof claims === 'object' ? (claims as Claims) : null
  } catch {
    return null
  }
}
