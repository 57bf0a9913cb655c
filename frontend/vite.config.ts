/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import { API_PATH_PATTERN, isPageAliasNavigation, PAGE_ALIASES } from './src/lib/apiPaths.ts'

// The gateway serves the built app from dist/ on the same origin as the API. During
// development the Vite server serves the app and forwards API routes (including the
// Server-Sent Events streams) to a running gateway.
const gateway = process.env.STREAMPAY_GATEWAY_URL ?? 'http://localhost:9090'

// The API paths the app shows as pages, for the gateway (see src/lib/apiPaths.ts).
const pageAliases: Plugin = {
  name: 'streampay-page-aliases',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'page-aliases.json', source: JSON.stringify(Object.keys(PAGE_ALIASES)) })
  },
}
// As the gateway does: a browser navigation to such a path gets the app.
const bypass = (req: { url?: string; headers: { accept?: string } }) =>
  isPageAliasNavigation(req.url ?? '', req.headers.accept) ? '/index.html' : undefined

export default defineConfig({
  plugins: [vue(), pageAliases],
  server: {
    port: 5173,
    strictPort: false,
    proxy: {
      // A key starting with ^ is a regular expression matched against the request URL.
      [API_PATH_PATTERN.source]: {
        target: gateway,
        changeOrigin: false,
        xfwd: true,
        bypass,
      },
    },
  },
  preview: {
    proxy: {
      [API_PATH_PATTERN.source]: { target: gateway, xfwd: true, bypass },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
  },
})
