import { describe, expect, it, vi } from 'vitest'

import TheAsideCartLine from '@/components/TheAsideCartLine.vue'
import { useCartStore } from '@/stores/cart'
import { mountWith } from '@/test/mount'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    cart: { get: vi.fn(), add: vi.fn(), update: vi.fn(), remove: vi.fn(), clear: vi.fn() },
    auth: {},
    users: {},
  }
})

const line = (over) => ({
  id: 5, product_id: 1, variant_id: 9, slug: 'shirt', name: 'Oxford Shirt', label: 'M / Pale Blue', image: '/a.svg',
  unit_price: '68.00', quantity: 2, line_total: '136.00', stock: 3, ...over,
})

function mountLine(over) {
  const wrapper = mountWith(TheAsideCartLine, { props: { line: line(over), currency: 'USD' } })
  const cart = useCartStore()
  cart.setQuantity = vi.fn()
  cart.remove = vi.fn()
  return { wrapper, cart }
}

describe('TheAsideCartLine', () => {
  it('shows the image, name, variant, unit price and line total', () => {
    const { wrapper } = mountLine()
    expect(wrapper.find('img').attributes('src')).toBe('/a.svg')
    expect(wrapper.text()).toContain('Oxford Shirt')
    expect(wrapper.find('[data-test=line-label]').text()).toBe('M / Pale Blue')
    expect(wrapper.text()).toContain('$68.00 each')
    expect(wrapper.find('[data-test=line-total]').text()).toBe('$136.00')
  })

  it('steps the quantity through the cart store, and stops at the stock', async () => {
    const { wrapper, cart } = mountLine({ quantity: 2, stock: 3 })
    await wrapper.find('[data-test=increase]').trigger('click')
    expect(cart.setQuantity).toHaveBeenCalledWith(5, 3)
    await wrapper.setProps({ line: line({ quantity: 3, stock: 3, line_total: '204.00' }) })
    expect(wrapper.find('[data-test=increase]').element.disabled).toBe(true)
    expect(wrapper.find('[data-test=decrease]').element.disabled).toBe(false)
  })

  it('says when an item sold out, and allows no more of it', () => {
    const { wrapper } = mountLine({ quantity: 1, stock: 0 })
    expect(wrapper.text()).toContain('Sold out')
    expect(wrapper.find('[data-test=increase]').element.disabled).toBe(true)
  })

  it('warns when fewer are left than the line holds', () => {
    const { wrapper } = mountLine({ quantity: 3, stock: 1 })
    expect(wrapper.text()).toContain('Only 1 left')
  })

  it('deletes the line', async () => {
    const { wrapper, cart } = mountLine()
    await wrapper.find('[data-test=remove-line]').trigger('click')
    expect(cart.remove).toHaveBeenCalledWith(5)
    expect(wrapper.find('[data-test=remove-line]').attributes('aria-label')).toBe('Remove Oxford Shirt')
  })
})
