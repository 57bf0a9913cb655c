import { describe, expect, it } from 'vitest'
import { API_PATH_PREFIXES, isApiPath, isPageAliasNavigation, PAGE_ALIASES } from './apiPaths'
import { routes } from '../router'

describe('isApiPath', () => {
  it.each([
    '/pay',
    '/pay?x=1',
    '/request',
    '/auth/token',
    '/payment-requests/abc',
    '/current-balance?access_token=t',
    '/.well-known/jwks.json',
    '/healthz',
    '/command-replies/abc',
    '/metrics',
    '/statements',
    '/streams?views=activities',
  ])('%s goes to the gateway', (path) => {
    expect(isApiPath(path)).toBe(true)
  })

  it.each(['/', '/feed', '/requests', '/send', '/payment', '/statement', '/statement/x', '/signin/callback', '/src/main.ts', '/xauth', '/a/pay'])(
    '%s stays with the app',
    (path) => {
      expect(isApiPath(path)).toBe(false)
    },
  )
})

describe('page routes', () => {
  it('never start with an API path prefix', () => {
    const pagePaths = routes.filter((r) => !r.redirect).map((r) => r.path).filter((p) => !p.startsWith('/:'))
    expect(pagePaths).toContain('/')
    for (const path of pagePaths) {
      expect(isApiPath(path), path).toBe(false)
    }
    expect(API_PATH_PREFIXES).toHaveLength(22)
  })
})

describe('page aliases', () => {
  it('are API paths, each sent to a page route', () => {
    const pages = routes.filter((r) => !r.redirect).map((r) => r.path)
    for (const [path, page] of Object.entries(PAGE_ALIASES)) {
      expect(isApiPath(path), path).toBe(true)
      expect(pages, page).toContain(page.split('?')[0])
      expect(routes.find((r) => r.path === path)?.redirect).toBe(page)
    }
  })

  it('are served to browser navigations only', () => {
    expect(isPageAliasNavigation('/activities', 'text/html,application/xhtml+xml')).toBe(true)
    expect(isPageAliasNavigation('/request?x=1', 'text/html')).toBe(true)
    expect(isPageAliasNavigation('/activities', 'text/event-stream')).toBe(false)
    expect(isPageAliasNavigation('/activities', '*/*')).toBe(false)
    expect(isPageAliasNavigation('/auth/token', 'text/html')).toBe(false)
  })
})
