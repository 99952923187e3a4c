import '@/styles/main.scss'

import { createPinia } from 'pinia'
import { createApp } from 'vue'

import App from '@/App.vue'
import { applyTheme, storedTheme } from '@/composables/useTheme'
import { i18n, preferredLocale, setLocale } from '@/i18n'
import { router } from '@/router'

applyTheme(storedTheme()) // before the first paint: dark unless the shopper chose light

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(router)

setLocale(preferredLocale())
  .catch(() => setLocale('en'))
  .finally(() => app.mount('#app'))
