/** Wiring, in one place: the session, the account's live stream, the router and the app. */
import { createApp, watch, type App as VueApp } from 'vue'
import type { Router, RouterHistory } from 'vue-router'
import App from './App.vue'
import type { AuthConfig } from './auth/config'
import { chartLabels } from './lib/chartLabels'
import { openStreams, streamStats } from './lib/sse'
import { createAppRouter } from './router'
import { startAccount, stopAccount } from './stores/account'
import { clearSentRequests } from './stores/sentRequests'
import { initSession, isSignedIn } from './stores/session'

export function createStreamPay(options: { history?: RouterHistory; auth?: AuthConfig } = {}): {
  app: VueApp
  router: Router
  stop: () => void
} {
  initSession({ config: options.auth })
  // The shell's live stream (balance, requests to me) is open exactly while someone is signed in.
  const stopWatching = watch(
    isSignedIn,
    (signedIn) => {
      if (signedIn) return startAccount()
      stopAccount()
      clearSentRequests()
    },
    { immediate: true },
  )
  // For the browser tests and the curious: how many live streams are open, and the most so far;
  // where the charts drew their time labels.
  Object.assign(globalThis, {
    streampay: {
      openStreams: () => [...openStreams].map((c) => c.url),
      mostStreams: () => streamStats.most,
      chartLabels,
    },
  })
  const router = createAppRouter(options.history)
  const app = createApp(App).use(router)
  return {
    app,
    router,
    stop() {
      app.unmount()
      stopWatching()
      stopAccount()
    },
  }
}
