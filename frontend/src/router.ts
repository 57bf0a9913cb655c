import { createRouter, createWebHistory, type RouteRecordRaw, type Router, type RouterHistory } from 'vue-router'
import { PAGE_ALIASES } from './lib/apiPaths'
import { isSignedIn } from './stores/session'
import LandingView from './views/LandingView.vue'
import NotFoundView from './views/NotFoundView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    /** Only for a signed-in user; others are sent to sign in first. */
    auth?: boolean
    /** Shown inside the app's shell (drawer, balance) when signed in. */
    shell?: boolean
  }
}

// Page paths share the origin with the API: none may start with an API prefix
// (see lib/apiPaths.ts; a unit test checks this). `/feed`, not `/activities`, which is the
// activity stream: a reload there would reach the gateway instead of this app.
export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'landing', component: LandingView, meta: { title: 'StreamPay' } },
  {
    path: '/signin/callback',
    name: 'signin-callback',
    component: () => import('./views/SignInCallbackView.vue'),
    meta: { title: 'Signing in · StreamPay' },
  },
  {
    path: '/feed',
    name: 'feed',
    component: () => import('./views/FeedView.vue'),
    meta: { title: 'Activity · StreamPay', auth: true, shell: true },
  },
  {
    path: '/requests',
    name: 'requests',
    component: () => import('./views/RequestsView.vue'),
    meta: { title: 'Requests · StreamPay', auth: true, shell: true },
  },
  {
    path: '/send',
    name: 'pay',
    component: () => import('./views/PayView.vue'),
    meta: { title: 'Pay or request · StreamPay', auth: true, shell: true },
  },
  {
    path: '/statement',
    name: 'statement',
    component: () => import('./views/StatementView.vue'),
    meta: { title: 'Statement · StreamPay', auth: true, shell: true },
  },
  {
    path: '/explorer',
    name: 'system',
    component: () => import('./views/SystemView.vue'),
    meta: { title: 'System · StreamPay', auth: true, shell: true },
  },
  {
    path: '/trace/:id',
    name: 'trace',
    component: () => import('./views/TraceView.vue'),
    meta: { title: 'How it happened · StreamPay', auth: true, shell: true },
  },
  // API paths typed in the address bar (the gateway serves the app for them): their pages.
  ...Object.entries(PAGE_ALIASES).map(([path, page]): RouteRecordRaw => ({ path, redirect: page })),
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: NotFoundView,
    meta: { title: 'Page not found · StreamPay', shell: true },
  },
]

export function createAppRouter(history: RouterHistory = createWebHistory(import.meta.env.BASE_URL)): Router {
  const router = createRouter({ history, routes })
  router.beforeEach((to) => {
    if (to.meta.auth && !isSignedIn.value) return { name: 'landing', query: { next: to.fullPath } }
    if (to.name === 'landing' && isSignedIn.value) {
      const next = typeof to.query.next === 'string' && to.query.next.startsWith('/') ? to.query.next : '/feed'
      return next
    }
    return true
  })
  router.afterEach((to) => {
    document.title = to.meta.title ?? 'StreamPay'
  })
  return router
}
