import { afterEach, describe, expect, it, vi } from 'vitest'
import { h, nextTick } from 'vue'

import { tokens } from '@/api'
import { useSessionStore } from '@/stores/session'
import { flush } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'

import AdminLayout from './AdminLayout.vue'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return { tokens: createTokenStore(memoryStorage(), null), AUTH_CODES: new Set(), auth: { logout: vi.fn() }, cart: {}, users: {} }
})

const page = (title) => ({ render: () => h('div', [h('h1', title), h('p', '…')]) })
const pages = { 'admin-dashboard': page('Dashboard'), 'admin-orders': page('Orders'), 'admin-order': page('Order 204-118-377') }

async function openLayout(path = '/admin/') {
  tokens.set({ access: 'a', refresh: 'r' })
  const mounted = await mountAdmin(AdminLayout, { path, pages, attachTo: document.body })
  useSessionStore().user = { id: 1, username: 'owner', first_name: 'Olga', last_name: '', is_staff: true }
  await flush()
  return mounted
}

describe('the back office layout', () => {
  let wrapper
  afterEach(() => wrapper?.unmount())

  it('has its landmarks, a skip link, and the navigation with the current section marked', async () => {
    let router
    ;({ wrapper, router } = await openLayout('/admin/orders/12'))
    expect(wrapper.find('header').exists()).toBe(true)
    expect(wrapper.find('main#admin-main').exists()).toBe(true)
    expect(wrapper.find('a.skip-link').attributes('href')).toBe('#admin-main')
    const nav = wrapper.find('nav')
    expect(nav.attributes('aria-label')).toBe('Back office')
    expect(nav.find('[aria-current=page]').text()).toBe('Orders') // an order is under Orders
    expect(nav.find('[data-test=admin-nav-products]').attributes('href')).toBe('/admin/products')
    await router.push('/admin/')
    await flush()
    expect(nav.find('[aria-current=page]').text()).toBe('Dashboard')
    expect(wrapper.find('[data-test=admin-storefront]').attributes('href')).toBe('/')
  })

  it('moves the focus to the new page’s heading on navigation, not when only the query changes', async () => {
    let router
    ;({ wrapper, router } = await openLayout('/admin/'))
    await router.push('/admin/orders')
    await flush()
    expect(document.activeElement.tagName).toBe('H1')
    expect(document.activeElement.textContent).toBe('Orders')

    const link = wrapper.find('[data-test=admin-nav-dashboard]').element
    link.focus()
    await router.push('/admin/orders?status=pending')
    await flush()
    expect(document.activeElement).toBe(link)
  })

  it('leaves for the shop when the session ends', async () => {
    let router
    ;({ wrapper, router } = await openLayout('/admin/orders'))
    tokens.clear('expired')
    await nextTick()
    await flush()
    expect(router.currentRoute.value.name).toBe('catalogue')
  })
})
