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

async function openAs(user, shown = order) {
  orders.get.mockResolvedValueOnce(shown)
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

  it('says how each order is paid, where that stands, and offers "Pay now" only while the card payment is open', async () => {
    const card = (status, payment) => ({ ...order, status, payment: { method: 'card', amount: '1.00', currency: 'USD',
      redirect_url: null, expires_at: '2026-12-03T10:30:00Z', paid_at: null, refunded_at: null, refund: null, ...payment } })
    const cases = [
      [{ ...order, status: 'confirmed', payment: { method: 'cash_on_delivery', status: 'due_on_delivery', amount: '1.00', currency: 'USD' } },
        'Pay on delivery', 'Due on delivery', 'You pay the courier when the order arrives.'],
      [card('awaiting_payment', { status: 'requires_action', redirect_url: 'http://shop.test/pay/' }),
        'Card', 'Awaiting payment', 'Not paid yet. Your order is held for you until'],
      [card('confirmed', { status: 'paid', paid_at: '2026-12-03T10:05:00Z' }), 'Card', 'Paid', 'Paid by card on Dec'],
      [card('cancelled', { status: 'failed' }), 'Card', 'Declined', 'Nothing was charged.'],
      [card('cancelled', { status: 'expired' }), 'Card', 'Not paid in time', 'Nothing was charged.'],
      [card('cancelled', { status: 'paid', paid_at: '2026-12-03T10:05:00Z', refund: { status: 'failed', attempts: 2 } }),
        'Card', 'Refund under way', 'is being refunded to your card'],
      [card('cancelled', { status: 'refunded', refunded_at: '2026-12-04T09:00:00Z' }), 'Card', 'Refunded', 'Refunded to your card on Dec'],
    ]
    for (const [shown, method, status, line] of cases) {
      const { wrapper } = await openAs({ id: 7 }, shown)
      await flush()
      const panel = wrapper.find('[data-test=order-payment]')
      expect(panel.find('[data-test=payment-method]').text(), status).toBe(method)
      expect(panel.find('[data-test=payment-status]').text(), status).toBe(status)
      expect(panel.find('[data-test=payment-line]').text(), status).toContain(line)
      const pay = panel.find('[data-test=pay-now]')
      expect(pay.exists(), status).toBe(status === 'Awaiting payment')
      if (pay.exists()) expect(pay.attributes('href')).toBe('http://shop.test/pay/')
      wrapper.unmount()
    }
  })

  it('follows a card order from awaiting its payment, lets it be cancelled then, and says a refund is under way', async () => {
    const awaiting = { ...order, status: 'awaiting_payment', payment: { method: 'card', status: 'requires_action', amount: '1.00',
      currency: 'USD', redirect_url: 'http://shop.test/pay/', expires_at: '2026-12-03T10:30:00Z', refund: null } }
    let { wrapper } = await openAs({ id: 7 }, awaiting)
    await flush()
    expect(wrapper.findAll('.order__step').map((s) => s.text())).toEqual(['Awaiting payment', 'Confirmed', 'Shipped', 'Delivered'])
    expect(wrapper.find('[data-test=order-status]').text()).toBe('Awaiting payment')
    expect(wrapper.find('[data-test=cancel-order]').exists()).toBe(true)
    wrapper.unmount()

    ;({ wrapper } = await openAs({ id: 7 }, { ...awaiting, status: 'cancelled',
      payment: { ...awaiting.payment, status: 'paid', redirect_url: null, refund: { status: 'pending', attempts: 0 } } }))
    await flush()
    expect(wrapper.find('[data-test=cancelled-note]').text()).toBe('This order was cancelled. Its payment is being refunded to your card.')
    wrapper.unmount()
  })
})
