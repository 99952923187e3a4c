import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'

import { adminChildren } from '@/admin/routes'
import { installAdminMessages } from '@/admin/messages'
import { i18n } from '@/i18n'

const Blank = { render: () => h('div') }
// /admin's own record: its children show through (a mounted layout's RouterView renders this first)
const PassThrough = { render: () => h(RouterView) }

/**
 * Mount a back office page or component at `path` with a real router (memory history) holding the back
 * office's routes, so that links resolve and the URL query can be read and written; the pages' own
 * components are not loaded (every route renders a blank), the mounted component is the one under test.
 * `routes`: storefront routes the component links to (`{path, name}`); `pages`: `{routeName: component}`
 * for the back office pages that should render something (a layout's test).
 */
export async function mountAdmin(component, { path = '/admin/', props, attachTo, routes = [], pages = {} } = {}) {
  installAdminMessages()
  const pinia = createPinia()
  setActivePinia(pinia)
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'catalogue', component: Blank },
      ...routes.map((r) => ({ component: Blank, ...r })),
      {
        path: '/admin',
        component: PassThrough,
        children: [...adminChildren.map((r) => ({ ...r, component: pages[r.name] ?? Blank })),
          { path: 'products', name: 'admin-products', component: Blank },
          { path: 'categories', name: 'admin-categories', component: Blank }].filter(
          (r, i, all) => all.findIndex((o) => o.name === r.name) === i),
      },
    ],
  })
  await router.push(path)
  await router.isReady()
  const wrapper = mount(component, { props, attachTo, global: { plugins: [pinia, i18n, router] } })
  return { wrapper, router, pinia }
}
