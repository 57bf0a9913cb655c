import { describe, expect, it } from 'vitest'
import { API_PATH_PREFIXES, isApiPath } from './apiPaths'
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
    const pagePaths = routes.map((r) => r.path).filter((p) => !p.startsWith('/:'))
    expect(pagePaths).toContain('/')
    for (const path of pagePaths) {
      expect(isApiPath(path), path).toBe(false)
    }
    expect(API_PATH_PREFIXES).toHaveLength(19)
  })
})
