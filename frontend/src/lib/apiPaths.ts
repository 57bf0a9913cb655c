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
  '/my-activities',
  '/payment-requests',
  '/sent-requests',
  '/current-payment-requests',
  '/balance-histories',
  '/statements',
  '/total-transactions',
  '/average-transactions',
  '/current-user',
  '/streams',
  '/command-replies',
  '/system',
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

/**
 * API paths a person may type in the address bar, and the page that shows the same thing. For a
 * browser navigation (`Accept: text/html`) to one of them the gateway serves this app instead of
 * the API's answer (it reads the list from `dist/page-aliases.json`, written by the build), and
 * the router opens the page; API clients keep their answers.
 */
export const PAGE_ALIASES: Readonly<Record<string, string>> = {
  '/activities': '/feed',
  '/my-activities': '/feed',
  '/sent-requests': '/requests',
  '/pay': '/send',
  '/request': '/send?mode=request',
  '/payment-requests': '/requests',
  '/current-payment-requests': '/requests',
  '/statements': '/statement',
  '/balance-histories': '/statement',
  '/current-balance': '/statement',
}

/** Whether a request is a browser navigation to one of the `PAGE_ALIASES` (for the dev server). */
export function isPageAliasNavigation(url: string, accept: string | undefined): boolean {
  return (accept ?? '').includes('text/html') && url.split(/[?#]/)[0]! in PAGE_ALIASES
}
