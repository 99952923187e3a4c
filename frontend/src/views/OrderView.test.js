import { afterEach, describe, expect, it, vi } from 'vitest'

import { orders } from '@/api'
import { useSessionStore } from '@/stores/session'
import { flush } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'
import OrderView from '@/views/OrderView.vue'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    AUTH_CODES: new Set(),
    auth: {},
    cart: {},
    users: { profile: vi.fn() },
    orders: { get: vi.fn(), cancel: vi.fn() },
  }
})

const order = { id: 12, number: '204-118-377', status: 'pending', user_id: 7, currency: 'USD', total_price: '1.00',
  created_at: '2026-12-03T10:00:00Z', items: [], shipping: { full_name: 'Ada' }, comment: '' }
const routes = [{ path: '/orders', name: 'orders' }, { path: '/orders/:id(\\d+)', name: 'order' }]

async function openAs(user) {
  orders.get.mockResolvedValueOnce(order)
  const mounted = await mountAdmin(OrderView, { path: '/orders/12', routes })
  useSessionStore().user = user
  await flush()
  return mounted
}

describe('the shopper’s order page', () => {
  afterEach(() => vi.clearAllMocks())

  it('sends staff reading a customer’s order to the back office’s page of it, in place of this one', async () => {
    const { router, wrapper } = await openAs({ id: 1, is_staff: true })
    await flush()
    expect(router.currentRoute.value.fullPath).toBe('/admin/orders/12')
    expect(wrapper.find('[data-test=cancel-order]').exists()).toBe(false)
  })

  it('keeps the owner, staff or not, on their own order', async () => {
    for (const user of [{ id: 7, is_staff: true }, { id: 7, is_staff: false }]) {
      const { router, wrapper } = await openAs(user)
      await flush()
      expect(router.currentRoute.value.fullPath).toBe('/orders/12')
      expect(wrapper.find('[data-test=cancel-order]').exists()).toBe(true)
    }
  })
})
