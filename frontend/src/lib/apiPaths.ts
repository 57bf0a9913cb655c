/**
 * Path prefixes that belong to the gateway's HTTP API (not to the single-page app).
 *
 * The UI is served by the gateway on the same origin as the API, so a page route must never
 * start with one of these segments (a browser refresh on it would hit the API instead of
 * index.html). The Vite dev server proxies exactly these prefixes to the gateway.
 */
export const API_PATH_PREFIXES = [
  '/auth',
  '/pay',
  '/request',
  '/users',
  '/healthz',
  '/readyz',
  '/current-balance',
  '/activities',
  '/payment-requests',
  '/current-payment-requests',
  '/balance-histories',
  '/statements',
  '/total-transactions',
  '/average-transactions',
  '/current-user',
  '/streams',
  '/command-replies',
  '/metrics',
  '/.well-known',
] as const

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Matches a request path (with optional query string) whose first segment is an API prefix:
 * `/pay`, `/pay?x=1` and `/pay/123` match, `/payment` does not (segment-exact, so that
 * `/request` does not swallow `/requests`).
 */
export const API_PATH_PATTERN = new RegExp(
  `^(?:${API_PATH_PREFIXES.map((p) => escapeRegExp(p)).join('|')})(?:[/?#]|$)`,
)

export function isApiPath(path: string): boolean {
  return API_PATH_PATTERN.test(path)
}
