import { afterEach, describe, expect, it, vi } from 'vitest'

import { staffOrders } from '@/admin/api'
import { flush } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'

import OrdersView from './OrdersView.vue'

vi.mock('@/admin/api', () => ({
  staffOrders: { list: vi.fn() },
  staffUsers: { get: vi.fn(), list: vi.fn() },
  staffStock: {},
}))

const row = (id, status, payment) => ({
  id, number: `204-118-${String(id).padStart(3, '0')}`, status, user_id: 7, currency: 'USD', total_price: '40.00',
  created_at: '2026-12-03T10:00:00Z', items: [{ quantity: 1 }], shipping: { full_name: 'Ada Lovelace' },
  payment: { amount: '40.00', currency: 'USD', redirect_url: null, refund: null, ...payment },
})

describe('the back office’s orders table', () => {
  afterEach(() => vi.clearAllMocks())

  it('shows each order’s payment, a failing refund as failing, and filters by awaiting payment', async () => {
    staffOrders.list.mockResolvedValue({ count: 3, next: null, previous: null, results: [
      row(1, 'awaiting_payment', { method: 'card', status: 'requires_action' }),
      row(2, 'cancelled', { method: 'card', status: 'paid', refund: { status: 'failed', attempts: 4, last_error: 'timeout' } }),
      row(3, 'confirmed', { method: 'cash_on_delivery', status: 'due_on_delivery' }),
    ] })
    const { wrapper, router } = await mountAdmin(OrdersView, { path: '/admin/orders' })
    await flush()
    const payments = wrapper.findAll('td[data-label=Payment]').map((td) => td.findAll('span span').map((s) => s.text()).join(' · '))
    expect(payments).toEqual(['Card · Awaiting payment', 'Card · Refund failing, retrying', 'Pay on delivery · Due on delivery'])
    expect(wrapper.findAll('[data-test=order-status]').map((b) => b.text())).toEqual(['Awaiting payment', 'Cancelled', 'Confirmed'])

    await wrapper.find('[data-test=filter-status-awaiting_payment]').setValue(true)
    await flush()
    expect(router.currentRoute.value.query.status).toBe('awaiting_payment')
    expect(staffOrders.list).toHaveBeenLastCalledWith(expect.objectContaining({ status: ['awaiting_payment'] }), expect.anything())
  })
})
