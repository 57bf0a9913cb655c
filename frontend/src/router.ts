import { createRouter, createWebHistory, type RouteRecordRaw, type Router, type RouterHistory } from 'vue-router'
import LandingView from './views/LandingView.vue'
import NotFoundView from './views/NotFoundView.vue'

// Page paths share the origin with the API: none may start with an API prefix
// (see lib/apiPaths.ts; a unit test checks this).
export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'landing', component: LandingView, meta: { title: 'StreamPay' } },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: NotFoundView,
    meta: { title: 'Page not found · StreamPay' },
  },
]

export function createAppRouter(history: RouterHistory = createWebHistory(import.meta.env.BASE_URL)): Router {
  const router = createRouter({ history, routes })
  router.afterEach((to) => {
    document.title = typeof to.meta.title === 'string' ? to.meta.title : 'StreamPay'
  })
  return router
}
