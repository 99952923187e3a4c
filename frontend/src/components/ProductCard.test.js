import { describe, expect, it } from 'vitest'

import ProductCard from '@/components/ProductCard.vue'
import { mountWith } from '@/test/mount'

const card = { id: 1, slug: 'linen-shirt', name: 'Linen shirt', price: '45.00', price_max: '78.00', currency: 'USD',
  image: null, image_sizes: null, category: { slug: 'shirts', name: 'Shirts' }, in_stock: true, stock: 3 }

describe('ProductCard', () => {
  it('says "from" the lowest price when its variants differ in price', () => {
    expect(mountWith(ProductCard, { props: { product: card } }).get('[data-test="card-price"]').text()).toBe('From $45.00')
  })

  it('shows the one price when every variant costs the same', () => {
    const same = { ...card, price_max: '45.00' }
    expect(mountWith(ProductCard, { props: { product: same } }).get('[data-test="card-price"]').text()).toBe('$45.00')
  })
})
