import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { addresses, cart as cartApi, orders, payments, tokens } from '@/api'
import { useSessionStore } from '@/stores/session'
import { useUiStore } from '@/stores/ui'
import { flush, problem } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'
import CheckoutView from '@/views/CheckoutView.vue'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    AUTH_CODES: new Set(),
    auth: {},
    users: { profile: vi.fn() },
    cart: { get: vi.fn(), remove: vi.fn(), update: vi.fn() },
    orders: { create: vi.fn() },
    payments: { methods: vi.fn() },
    addresses: { list: vi.fn(async () => []), create: vi.fn() },
  }
})

const routes = [{ path: '/checkout', name: 'checkout' }, { path: '/checkout/thank-you/:id(\\d+)', name: 'order-placed' },
  { path: '/orders/:id(\\d+)/payment', name: 'order-payment' }]
const line = { id: 1, product_id: 1, variant_id: 2, slug: 'shirt', name: 'Linen shirt', label: 'M', image: '/x.svg',
  unit_price: '45.00', quantity: 1, line_total: '45.00', stock: 3 }
const filled = { full_name: 'Ada Lovelace', phone: '+44 20 7946 0958', address_line: '12 St James', city: 'London',
  postal_code: 'SW1Y 4JH', country: 'United Kingdom' }
const cardOrder = { id: 12, number: '204-118-377', status: 'awaiting_payment',
  payment: { method: 'card', status: 'requires_action', redirect_url: 'http://shop.test/api/payments/sandbox/cs_1/' } }

async function open({ methods = ['cash_on_delivery', 'card'] } = {}) {
  tokens.set({ access: 'a', refresh: 'r' })
  cartApi.get.mockResolvedValue({ items: [line], total_quantity: 1, total_price: '45.00', currency: 'USD' })
  if (methods instanceof Error) payments.methods.mockRejectedValue(methods)
  else payments.methods.mockResolvedValue({ methods, provider: methods.includes('card') ? 'sandbox' : null })
  const mounted = await mountAdmin(CheckoutView, { path: '/checkout', routes, attachTo: document.body })
  await flush()
  await flush()
  const form = mounted.wrapper.find('[data-test=checkout-form]')
  for (const [name, value] of Object.entries(filled)) await form.find(`[name=${name}]`).setValue(value)
  return mounted
}

describe('checkout’s payment step', () => {
  let wrapper
  let assign
  beforeEach(() => {
    assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {})
  })
  afterEach(() => {
    wrapper?.unmount()
    assign.mockRestore()
    vi.clearAllMocks()
  })

  it('offers the card only when payments lists it, saying where the card is entered and when it is charged', async () => {
    let router
    ;({ wrapper, router } = await open())
    const card = wrapper.find('[data-test=method-card]')
    expect(card.text()).toContain('payment provider’s secure page')
    expect(card.text()).toContain('Nothing is charged until you pay there')
    expect(wrapper.find('[data-test=method-cash_on_delivery] input').element.checked).toBe(true)
    expect(wrapper.find('[data-test=checkout-reassure]').text()).not.toMatch(/never charged twice/)
    wrapper.unmount()
    ;({ wrapper, router } = await open({ methods: ['cash_on_delivery'] }))
    expect(wrapper.find('[data-test=method-card]').exists()).toBe(false)
    expect(wrapper.find('[data-test=method-card-none]').text()).toBe('This shop takes payment on delivery.')
    wrapper.unmount()
    ;({ wrapper, router } = await open({ methods: problem(503, 'service_unavailable') }))
    expect(wrapper.find('[data-test=method-card]').exists()).toBe(false)
    expect(wrapper.find('[data-test=method-card-none]').text()).toContain('not available right now')
    expect(router.currentRoute.value.name).toBe('checkout')
  })

  it('sends a card order with its method and goes to the provider’s page that the answer names', async () => {
    ;({ wrapper } = await open())
    await wrapper.find('[data-test=method-card] input').setValue(true)
    expect(wrapper.find('[data-test=place-order]').text()).toBe('Continue to payment')
    expect(wrapper.find('[data-test=checkout-reassure]').text()).toContain('only on the payment provider’s page')
    orders.create.mockResolvedValueOnce(cardOrder)
    await wrapper.find('[data-test=checkout-form]').trigger('submit')
    await flush()
    expect(orders.create.mock.calls[0][0]).toMatchObject({ payment_method: 'card', shipping: { city: 'London' } })
    expect(assign).toHaveBeenCalledWith('http://shop.test/api/payments/sandbox/cs_1/')
    expect(wrapper.find('[data-test=place-order]').attributes('disabled')).toBeDefined()
  })

  it('sends a cash order as pay on delivery and shows its thank-you page', async () => {
    let router
    ;({ wrapper, router } = await open())
    orders.create.mockResolvedValueOnce({ id: 13, status: 'confirmed', payment: { method: 'cash_on_delivery', status: 'due_on_delivery' } })
    await wrapper.find('[data-test=checkout-form]').trigger('submit')
    await flush()
    await flush()
    expect(orders.create.mock.calls[0][0].payment_method).toBe('cash_on_delivery')
    expect(assign).not.toHaveBeenCalled()
    expect(router.currentRoute.value.fullPath).toBe('/checkout/thank-you/13')
  })

  it('says that nothing is held when payments is away, and sends the same attempt again under its key', async () => {
    ;({ wrapper } = await open())
    await wrapper.find('[data-test=method-card] input').setValue(true)
    orders.create.mockRejectedValueOnce(problem(503, 'payments_unavailable')).mockResolvedValueOnce(cardOrder)
    await wrapper.find('[data-test=checkout-form]').trigger('submit')
    await flush()
    expect(wrapper.find('[data-test=checkout-error]').text()).toContain('Nothing was ordered and nothing is held')
    await wrapper.find('[data-test=checkout-form]').trigger('submit')
    await flush()
    const [first, second] = orders.create.mock.calls
    expect(second[1]).toBe(first[1])
    expect(assign).toHaveBeenCalledTimes(1)
  })

  it('takes the card away when the shop no longer offers it', async () => {
    ;({ wrapper } = await open())
    await wrapper.find('[data-test=method-card] input').setValue(true)
    orders.create.mockRejectedValueOnce(problem(422, 'payment_method_unavailable'))
    await wrapper.find('[data-test=checkout-form]').trigger('submit')
    await flush()
    expect(wrapper.find('[data-test=checkout-error]').text()).toContain('Paying by card is not available right now')
    expect(wrapper.find('[data-test=method-card]').exists()).toBe(false)
    expect(wrapper.find('[data-test=method-cash_on_delivery] input').element.checked).toBe(true)
    expect(wrapper.find('[data-test=place-order]').text()).toBe('Place order')
  })
})

describe('checkout’s addresses', () => {
  let wrapper
  const home = { id: 3, ...filled, is_default: true, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' }
  const work = { ...home, id: 5, address_line: '1 Analytical Row', city: 'Cambridge', postal_code: 'CB2 1TN', is_default: false }
  const cash = { id: 21, status: 'confirmed', payment: { method: 'cash_on_delivery', status: 'due_on_delivery' } }

  /** Checkout of account 7 whose address book holds `saved`. */
  async function openFor(saved = []) {
    tokens.set({ access: 'a', refresh: 'r' })
    cartApi.get.mockResolvedValue({ items: [line], total_quantity: 1, total_price: '45.00', currency: 'USD' })
    payments.methods.mockResolvedValue({ methods: ['cash_on_delivery', 'card'], provider: 'sandbox' })
    addresses.list.mockResolvedValue(saved)
    const mounted = await mountAdmin(CheckoutView, { path: '/checkout', routes, attachTo: document.body })
    useSessionStore().user = { id: 7, username: 'ada', first_name: 'Ada', last_name: 'Lovelace', phone: '' }
    await flush()
    await flush()
    return mounted
  }
  const form = () => wrapper.find('[data-test=checkout-form]')
  const fill = async (values) => {
    for (const [name, value] of Object.entries(values)) await form().find(`[name=${name}]`).setValue(value)
  }

  beforeEach(() => sessionStorage.clear())
  afterEach(() => {
    wrapper?.unmount()
    vi.clearAllMocks()
  })

  it('chooses the default saved address and orders to the one chosen, asking for no fields', async () => {
    ;({ wrapper } = await openFor([home, work]))
    expect(wrapper.find('[data-test=address-3] input').element.checked).toBe(true)
    expect(wrapper.find('[data-test=new-address]').exists()).toBe(false)
    await wrapper.find('[data-test=address-5] input').setValue(true)
    orders.create.mockResolvedValueOnce(cash)
    await form().trigger('submit')
    await flush()
    const { id: _id, is_default: _d, created_at: _c, updated_at: _u, ...shipping } = work
    expect(orders.create.mock.calls[0][0].shipping).toEqual(shipping)
    expect(addresses.create).not.toHaveBeenCalled()
  })

  it('saves a new address to the account once the order is placed, when asked', async () => {
    let router
    ;({ wrapper, router } = await openFor([home]))
    await wrapper.find('[data-test=address-new] input').setValue(true)
    expect(form().find('[name=full_name]').element.value).toBe('Ada Lovelace') // from the profile
    await fill({ ...filled, address_line: '1 Analytical Row' })
    await wrapper.find('[data-test=save-address]').setValue(true)
    orders.create.mockResolvedValueOnce(cash)
    addresses.create.mockResolvedValueOnce({ id: 9 })
    await form().trigger('submit')
    await flush()
    await flush()
    expect(addresses.create).toHaveBeenCalledWith({ ...filled, address_line: '1 Analytical Row' })
    expect(orders.create.mock.invocationCallOrder[0]).toBeLessThan(addresses.create.mock.invocationCallOrder[0])
    expect(router.currentRoute.value.fullPath).toBe('/checkout/thank-you/21')
  })

  it('places the order all the same when the address cannot be saved, and says so', async () => {
    let router
    ;({ wrapper, router } = await openFor([]))
    expect(wrapper.find('[data-test=address-picker]').exists()).toBe(false) // nothing saved: the fields at once
    await fill(filled)
    await wrapper.find('[data-test=save-address]').setValue(true)
    orders.create.mockResolvedValueOnce(cash)
    addresses.create.mockRejectedValueOnce(problem(409, 'address_limit'))
    await form().trigger('submit')
    await flush()
    await flush()
    expect(router.currentRoute.value.fullPath).toBe('/checkout/thank-you/21')
    expect(useUiStore().toasts.map((t) => t.message)).toContain(
      'Your order is placed, but the address was not saved: Your address book is full. Delete an address first.')
  })

  it('keeps what is typed across a reload, until the order is placed', async () => {
    ;({ wrapper } = await openFor([home]))
    await wrapper.find('[data-test=address-new] input').setValue(true)
    await fill({ ...filled, city: 'Bath' })
    await form().find('[name=comment]').setValue('ring twice')
    await wrapper.find('[data-test=method-card] input').setValue(true)
    wrapper.unmount()

    ;({ wrapper } = await openFor([home]))
    expect(wrapper.find('[data-test=address-new] input').element.checked).toBe(true)
    expect(form().find('[name=city]').element.value).toBe('Bath')
    expect(form().find('[name=comment]').element.value).toBe('ring twice')
    expect(wrapper.find('[data-test=method-card] input').element.checked).toBe(true)
    expect(JSON.parse(sessionStorage.getItem('shop.checkout.7')).address.city).toBe('Bath')

    await wrapper.find('[data-test=method-cash_on_delivery] input').setValue(true)
    orders.create.mockResolvedValueOnce(cash)
    await form().trigger('submit')
    await flush()
    expect(orders.create.mock.calls[0][0]).toMatchObject({ shipping: { city: 'Bath' }, comment: 'ring twice' })
    expect(sessionStorage.getItem('shop.checkout.7')).toBeNull()
  })
})

describe('checkout when stock went since the cart was filled', () => {
  let wrapper
  beforeEach(() => addresses.list.mockResolvedValue([]))
  afterEach(() => {
    wrapper?.unmount()
    vi.clearAllMocks()
  })

  const scarf = { ...line, id: 3, product_id: 3, variant_id: 4, name: 'Lambswool scarf', label: 'Grey', unit_price: '30.00',
    quantity: 2, line_total: '60.00', stock: 5 }
  const cartOf = (...items) => ({ items, currency: 'USD', total_quantity: items.reduce((n, l) => n + l.quantity, 0),
    total_price: '105.00' })

  it('reads the cart again on a refusal, shows the sold-out line as such, out of the total, and goes on without it', async () => {
    ;({ wrapper } = await open())
    cartApi.get.mockResolvedValue(cartOf(line, scarf))
    await useCartStoreLoad()
    orders.create.mockRejectedValueOnce(problem(409, 'insufficient_stock', {
      lines: [{ variant_id: 2, name: 'Linen shirt', label: 'M', requested: 1, available: 0 }] }))
    // what the cart says once read again: the shirt sold out meanwhile
    cartApi.get.mockResolvedValue(cartOf({ ...line, stock: 0 }, scarf))
    await wrapper.find('[data-test=checkout-form]').trigger('submit')
    await flush()
    await flush()

    expect(wrapper.find('[data-test=checkout-error]').text()).toContain('Linen shirt (M): sold out')
    expect(wrapper.find('[data-test=checkout-error]').text()).not.toContain('only 0 left')
    const shirt = wrapper.findAll('[data-test=checkout-line]')[0]
    expect(shirt.find('[data-test=line-sold-out]').text()).toBe('Sold out')
    expect(wrapper.find('[data-test=checkout-total]').text()).toBe('$60.00')
    expect(wrapper.find('[data-test=place-order]').text()).toBe('Place order without them')

    // going on: the sold-out line leaves the cart first, then the order is placed of what there is
    cartApi.remove.mockResolvedValueOnce(undefined)
    cartApi.get.mockResolvedValue(cartOf(scarf))
    orders.create.mockResolvedValueOnce({ id: 13, status: 'confirmed', payment: { method: 'cash_on_delivery', status: 'due_on_delivery' } })
    await wrapper.find('[data-test=checkout-form]').trigger('submit')
    await flush()
    await flush()
    expect(cartApi.remove).toHaveBeenCalledWith(1)
    expect(orders.create).toHaveBeenCalledTimes(2)
  })

  it('cuts a short line to what is left, and says it beside the line', async () => {
    ;({ wrapper } = await open())
    cartApi.get.mockResolvedValue(cartOf({ ...scarf, stock: 1 }))
    await useCartStoreLoad()
    await flush()
    expect(wrapper.find('[data-test=line-short]').text()).toBe('Only 1 left')
    expect(wrapper.find('[data-test=checkout-total]').text()).toBe('$30.00')
    cartApi.update.mockResolvedValueOnce(cartOf({ ...scarf, quantity: 1, line_total: '30.00', stock: 1 }))
    cartApi.get.mockResolvedValue(cartOf({ ...scarf, quantity: 1, line_total: '30.00', stock: 1 }))
    orders.create.mockResolvedValueOnce({ id: 14, status: 'confirmed', payment: { method: 'cash_on_delivery', status: 'due_on_delivery' } })
    await wrapper.find('[data-test=checkout-form]').trigger('submit')
    await flush()
    await flush()
    expect(cartApi.update).toHaveBeenCalledWith(3, 1)
    expect(orders.create).toHaveBeenCalledTimes(1)
  })
})

async function useCartStoreLoad() {
  const { useCartStore } = await import('@/stores/cart')
  await useCartStore().load()
  await flush()
}
