import { afterEach, describe, expect, it, vi } from 'vitest'

import { staffOrders, staffUsers } from '@/admin/api'
import { deferred, flush, problem } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'

import OrderView from './OrderView.vue'

vi.mock('@/admin/api', () => ({
  staffOrders: { get: vi.fn(), move: vi.fn(), cancel: vi.fn(), list: vi.fn() },
  staffUsers: { get: vi.fn(), list: vi.fn() },
  staffStock: {},
}))

const order = (over) => ({
  id: 12, number: '204-118-377', status: 'pending', user_id: 7, currency: 'USD', total_price: '40.00',
  created_at: '2026-12-03T10:00:00Z', comment: '', next_statuses: ['confirmed', 'cancelled'],
  history: [{ status: 'pending', at: '2026-12-03T10:00:00Z', by: 'customer' }],
  items: [{ product_id: 1, variant_id: 2, name: 'Linen shirt', label: 'M', unit_price: '20.00', quantity: 2, line_total: '40.00' }],
  shipping: { full_name: 'Ada Lovelace', phone: '+44 20 7946 0958', address_line: '1 St James', city: 'London', postal_code: 'SW1', country: 'GB' },
  ...over,
})

async function openOrder(first = order()) {
  staffOrders.get.mockResolvedValueOnce(first)
  staffUsers.get.mockResolvedValue({ id: 7, username: 'ada', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', is_active: true })
  const mounted = await mountAdmin(OrderView, { path: '/admin/orders/12', attachTo: document.body })
  await flush()
  return mounted
}
const moves = (wrapper) => wrapper.findAll('[data-test=order-moves] button').map((b) => b.attributes('data-test'))

describe('the back office order page', () => {
  let wrapper
  afterEach(() => {
    wrapper?.unmount()
    vi.clearAllMocks()
  })

  it('offers exactly the next allowed moves, and says the customer is emailed', async () => {
    ;({ wrapper } = await openOrder())
    expect(moves(wrapper)).toEqual(['move-confirmed', 'move-cancelled'])
    expect(wrapper.find('[data-test=order-moves]').text()).toContain('The customer is emailed about every change.')
    expect(wrapper.find('[data-test=order-customer]').text()).toContain('Ada Lovelace')
    expect(wrapper.find('[data-test=order-customer-link]').attributes('href')).toBe('/admin/customers/7')
    expect(wrapper.findAll('[data-test=history-row]')).toHaveLength(1)
  })

  it('moves without asking, and shows the moves of the new status', async () => {
    ;({ wrapper } = await openOrder())
    const answer = deferred()
    staffOrders.move.mockReturnValueOnce(answer.promise)
    await wrapper.find('[data-test=move-confirmed]').trigger('click')
    expect(staffOrders.move).toHaveBeenCalledWith(12, 'confirmed')
    expect(wrapper.find('[data-test=move-cancelled]').attributes('disabled')).toBeDefined() // one move at a time
    answer.resolve(order({ status: 'confirmed', next_statuses: ['shipped', 'cancelled'] }))
    await flush()
    expect(moves(wrapper)).toEqual(['move-shipped', 'move-cancelled'])
  })

  it('asks before cancelling, and cancels only when confirmed', async () => {
    ;({ wrapper } = await openOrder())
    await wrapper.find('[data-test=move-cancelled]').trigger('click')
    expect(staffOrders.cancel).not.toHaveBeenCalled()
    const dialog = () => document.querySelector('[role=dialog]')
    expect(dialog().textContent).toContain('Cancel order 204-118-377?')
    document.querySelector('[data-test=confirm-cancel]').click() // "Keep the order"
    await flush()
    expect(dialog()).toBeNull()
    expect(staffOrders.cancel).not.toHaveBeenCalled()

    await wrapper.find('[data-test=move-cancelled]').trigger('click')
    staffOrders.cancel.mockResolvedValueOnce(order({ status: 'cancelled', next_statuses: [] }))
    document.querySelector('[data-test=confirm-ok]').click()
    await flush()
    expect(staffOrders.cancel).toHaveBeenCalledWith(12)
    expect(wrapper.find('[data-test=no-moves]').exists()).toBe(true)
  })

  it('says why a move was refused and reads the order again', async () => {
    ;({ wrapper } = await openOrder())
    staffOrders.move.mockRejectedValueOnce(problem(409, 'invalid_status_move'))
    staffOrders.get.mockResolvedValueOnce(order({ status: 'cancelled', next_statuses: [] }))
    await wrapper.find('[data-test=move-confirmed]').trigger('click')
    await flush()
    await flush()
    expect(wrapper.find('[data-test=move-refusal]').text()).toContain('cannot move to that status')
    expect(staffOrders.get).toHaveBeenCalledTimes(2)
    expect(moves(wrapper)).toEqual([])
  })

  it('shows the payment, its dates and a failing refund’s attempts and last error; cancelling says it refunds', async () => {
    const paid = order({ status: 'cancelled', next_statuses: [], payment: { method: 'card', status: 'paid', amount: '40.00',
      currency: 'USD', redirect_url: null, expires_at: '2026-12-03T10:30:00Z', paid_at: '2026-12-03T10:05:00Z', refunded_at: null,
      refund: { status: 'failed', attempts: 3, last_error: 'provider answered 503', requested_at: '2026-12-03T11:00:00Z' } } })
    ;({ wrapper } = await openOrder(paid))
    const panel = wrapper.find('[data-test=order-payment]')
    expect(panel.find('[data-test=payment-method]').text()).toBe('Card')
    expect(panel.find('[data-test=payment-status]').text()).toBe('Refund failing, retrying')
    expect(panel.find('[data-test=payment-paid-at]').exists()).toBe(true)
    expect(panel.find('[data-test=refund-status]').text()).toBe('Failed, retrying')
    expect(panel.find('[data-test=refund-attempts]').text()).toBe('3')
    expect(panel.find('[data-test=refund-error]').text()).toBe('provider answered 503')
    // staff never see the shopper's "Pay now" (nor its sentences)
    expect(panel.find('[data-test=pay-now]').exists()).toBe(false)
    expect(panel.find('[data-test=payment-line]').exists()).toBe(false)
    wrapper.unmount()

    ;({ wrapper } = await openOrder(order({ status: 'confirmed', next_statuses: ['shipped', 'cancelled'],
      payment: { ...paid.payment, refund: null } })))
    await wrapper.find('[data-test=move-cancelled]').trigger('click')
    expect(document.querySelector('[role=dialog]').textContent).toContain('the payment is refunded to the customer’s card')
  })

  it('says only the payment moves an order awaiting it', async () => {
    ;({ wrapper } = await openOrder(order({ status: 'awaiting_payment', next_statuses: ['cancelled'],
      payment: { method: 'card', status: 'requires_action', amount: '40.00', currency: 'USD', redirect_url: 'http://x/', refund: null } })))
    expect(wrapper.find('[data-test=awaiting-note]').text()).toContain('Only the payment confirms this order')
    expect(moves(wrapper)).toEqual(['move-cancelled'])
    expect(wrapper.find('[data-test=order-status]').text()).toBe('Awaiting payment')
  })
})
