import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The gateway serves dist/ (static mode) or proxies this dev server (dev mode); the SPA calls /api on
// the same origin either way, so no proxy is configured here.
export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
      // vue-i18n without its message compiler: src/i18n/compile.js compiles the shop's texts
      'vue-i18n': 'vue-i18n/dist/vue-i18n.runtime.esm-bundler.js',
    },
  },
  define: {
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_DROP_MESSAGE_COMPILER__: true,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    manifest: true, // scripts/initial-js.mjs reads it to measure what the catalogue loads first
    target: 'es2022',
    modulePreload: { polyfill: false }, // every browser we support preloads modules itself
    reportCompressedSize: false,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.js'],
    restoreMocks: true,
  },
})
