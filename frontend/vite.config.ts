/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { API_PATH_PATTERN } from './src/lib/apiPaths.ts'

// The gateway serves the built app from dist/ on the same origin as the API. During
// development the Vite server serves the app and forwards API routes (including the
// Server-Sent Events streams) to a running gateway.
const gateway = process.env.STREAMPAY_GATEWAY_URL ?? 'http://localhost:9090'

export default defineConfig({
  plugins: [vue()],
  server: {
    port: 5173,
    strictPort: false,
    proxy: {
      // A key starting with ^ is a regular expression matched against the request URL.
      [API_PATH_PATTERN.source]: {
        target: gateway,
        changeOrigin: false,
        xfwd: true,
      },
    },
  },
  preview: {
    proxy: {
      [API_PATH_PATTERN.source]: { target: gateway, xfwd: true },
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
