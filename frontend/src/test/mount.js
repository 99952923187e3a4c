import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

import { i18n } from '@/i18n'

/** Mount with the app's plugins (a fresh Pinia, the English texts); router links become plain anchors. */
export function mountWith(component, options = {}) {
  const pinia = createPinia()
  setActivePinia(pinia)
  return mount(component, {
    ...options,
    global: {
      plugins: [pinia, i18n],
      stubs: { RouterLink: { props: ['to'], template: '<a href="#"><slot /></a>' } },
      ...options.global,
    },
  })
}
