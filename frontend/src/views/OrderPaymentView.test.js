import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { orders } from '@/api'
import { FOLLOW } from '@/composables/payment'
import { problem } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'
import OrderPaymentView from '@/views/OrderPaymentView.vue'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    AUTH_CODES: new Set(['token_expired']),
    auth: {},
    cart: {},
    users: { profile: vi.fn() },
    orders: { get: vi.fn(), cancel: vi.fn() },
  }
})

const SOON = '2099-12-03T10:30:00Z'
const order = (status, payment) => ({
  id: 12, number: '204-118-377', status, user_id: 7, currency: 'USD', total_price: '45.00',
  created_at: '2026-12-03T10:00:00Z', items: [], shipping: { full_name: 'Ada' }, comment: '',
  payment: { method: 'card', status: 'requires_action', amount: '45.00', currency: 'USD',
    redirect_url: 'http://shop.test/api/payments/sandbox/cs_1/', expires_at: SOON, paid_at: null, refunded_at: null,
    refund: null, ...payment },
})
const waiting = () => order('awaiting_payment')
const routes = [{ path: '/orders', name: 'orders' }, { path: '/orders/:id(\\d+)', name: 'order' },
  { path: '/orders/:id(\\d+)/payment', name: 'order-payment' }]

async function open(path = '/orders/12/payment') {
  const mounted = await mountAdmin(OrderPaymentView, { path, routes, attachTo: document.body })
  await vi.advanceTimersByTimeAsync(0)
  return mounted
}
const said = (wrapper) => wrapper.find('[data-test=payment-outcome]')
/** Let time pass until the page looks at the order once more (the pause before it is at most FOLLOW.longest). */
async function nextLook() {
  const before = orders.get.mock.calls.length
  for (let waited = 0; orders.get.mock.calls.length === before && waited <= FOLLOW.longest; waited += 100) {
    await vi.advanceTimersByTimeAsync(100)
  }
  expect(orders.get.mock.calls.length).toBe(before + 1)
  await vi.advanceTimersByTimeAsync(0)
}

describe('the page the payment provider sends the shopper back to', () => {
  let wrapper
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }))
  afterEach(() => {
    wrapper?.unmount()
    vi.useRealTimers()
    vi.clearAllMocks()
  })

  it('waits, never saying paid, until the order says so; then says it is confirmed and stops asking', async () => {
    orders.get.mockResolvedValueOnce(waiting()).mockResolvedValueOnce(waiting())
      .mockResolvedValue(order('confirmed', { status: 'paid', redirect_url: null, paid_at: '2026-12-03T10:05:00Z' }))
    ;({ wrapper } = await open())
    const region = said(wrapper)
    expect(region.attributes('role')).toBe('status')
    expect(region.attributes('aria-live')).toBe('polite')
    expect(region.attributes('data-outcome')).toBe('waiting')
    expect(region.text()).not.toMatch(/paid|charged|confirmed|received/i)
    expect(wrapper.find('[data-test=pay-now]').exists()).toBe(false)
    await nextLook()
    expect(said(wrapper).attributes('data-outcome')).toBe('waiting')
    await nextLook()
    expect(said(wrapper).attributes('data-outcome')).toBe('paid')
    expect(said(wrapper).text()).toContain('Payment received: your order is confirmed')
    const calls = orders.get.mock.calls.length
    await vi.advanceTimersByTimeAsync(FOLLOW.limit)
    expect(orders.get).toHaveBeenCalledTimes(calls)
    expect(orders.get).toHaveBeenCalledWith('12')
  })

  it('asks less and less often', async () => {
    orders.get.mockResolvedValue(waiting())
    ;({ wrapper } = await open())
    const at = []
    orders.get.mockImplementation(async () => {
      at.push(Date.now())
      return waiting()
    })
    await vi.advanceTimersByTimeAsync(60_000)
    const pauses = at.slice(1).map((t, i) => t - at[i])
    expect(pauses.length).toBeGreaterThan(3)
    for (let i = 1; i < pauses.length; i += 1) expect(pauses[i]).toBeGreaterThanOrEqual(pauses[i - 1])
    expect(Math.max(...pauses)).toBeLessThanOrEqual(FOLLOW.longest)
  })

  it('says a declined card cancelled the order and charged nothing', async () => {
    orders.get.mockResolvedValue(order('cancelled', { status: 'failed', redirect_url: null }))
    ;({ wrapper } = await open())
    expect(said(wrapper).attributes('data-outcome')).toBe('failed')
    expect(said(wrapper).text()).toContain('Your card was declined')
    expect(said(wrapper).text()).toContain('nothing was charged')
    expect(said(wrapper).text()).toContain('back on sale')
    expect(orders.get).toHaveBeenCalledTimes(1)
  })

  it('says the time ran out, or that the order was cancelled before it was paid', async () => {
    orders.get.mockResolvedValue(order('cancelled', { status: 'expired', redirect_url: null, expires_at: '2000-01-01T00:00:00Z' }))
    ;({ wrapper } = await open())
    expect(said(wrapper).text()).toContain('The time to pay ran out')
    wrapper.unmount()
    orders.get.mockResolvedValue(order('cancelled', { status: 'expired', redirect_url: null }))
    ;({ wrapper } = await open())
    expect(said(wrapper).attributes('data-outcome')).toBe('closed')
    expect(said(wrapper).text()).toContain('nothing was charged')
  })

  it('tells a shopper who left the provider’s page until when the order is held: pay now or cancel', async () => {
    orders.get.mockResolvedValue(waiting())
    ;({ wrapper } = await open('/orders/12/payment?left=1'))
    expect(said(wrapper).attributes('data-outcome')).toBe('left')
    expect(said(wrapper).text()).toContain('You left the payment page')
    expect(said(wrapper).text()).toMatch(/held for you until .*2099/)
    expect(wrapper.find('[data-test=pay-now]').attributes('href')).toBe('http://shop.test/api/payments/sandbox/cs_1/')

    orders.cancel.mockResolvedValueOnce(order('cancelled', { status: 'expired', redirect_url: null }))
    await wrapper.find('[data-test=cancel-order]').trigger('click')
    expect(document.querySelector('[data-test=cancel-text]').textContent).toContain('the payment page stops taking payment')
    document.querySelector('[data-test=confirm-cancel]').click()
    await vi.advanceTimersByTimeAsync(0)
    expect(orders.cancel).toHaveBeenCalledWith(12)
    expect(said(wrapper).attributes('data-outcome')).toBe('closed')
    expect(wrapper.find('[data-test=pay-now]').exists()).toBe(false)
  })

  it('stops after a few minutes, says what to do, and looks again when asked', async () => {
    orders.get.mockResolvedValue(waiting())
    ;({ wrapper } = await open())
    await vi.advanceTimersByTimeAsync(FOLLOW.limit + FOLLOW.longest)
    expect(said(wrapper).attributes('data-outcome')).toBe('slow')
    expect(said(wrapper).text()).toContain('If you paid, you will get an email')
    expect(wrapper.find('[data-test=pay-now]').exists()).toBe(true)
    const calls = orders.get.mock.calls.length
    await vi.advanceTimersByTimeAsync(FOLLOW.limit)
    expect(orders.get).toHaveBeenCalledTimes(calls)

    orders.get.mockResolvedValue(order('confirmed', { status: 'paid', redirect_url: null, paid_at: '2026-12-03T10:05:00Z' }))
    await wrapper.find('[data-test=check-again]').trigger('click')
    await vi.advanceTimersByTimeAsync(0)
    expect(said(wrapper).attributes('data-outcome')).toBe('paid')
  })

  it('keeps following through a failed look, and stops for an order that is not the shopper’s', async () => {
    orders.get.mockResolvedValueOnce(waiting()).mockRejectedValueOnce(problem(503, 'service_unavailable'))
      .mockResolvedValueOnce(order('cancelled', { status: 'failed', redirect_url: null }))
    ;({ wrapper } = await open())
    await nextLook()
    expect(said(wrapper).attributes('data-outcome')).toBe('waiting')
    await nextLook()
    expect(said(wrapper).attributes('data-outcome')).toBe('failed')
    wrapper.unmount()

    orders.get.mockReset()
    orders.get.mockRejectedValue(problem(404, 'order_not_found'))
    ;({ wrapper } = await open())
    expect(wrapper.find('[data-test=empty-state]').text()).toContain('We could not find that order')
    await vi.advanceTimersByTimeAsync(FOLLOW.limit)
    expect(orders.get).toHaveBeenCalledTimes(1)
  })
})
