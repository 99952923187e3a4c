import { describe, expect, it } from 'vitest'

import { productJsonLd, productPath } from './structuredData'

const ORIGIN = 'https://shop.example'
const variant = (over) => ({ id: 1, sku: 'OX-M', label: 'M', attributes: { size: 'M' }, price: '45.00', stock: 3, in_stock: true, ...over })
const product = (over) => ({
  id: 7,
  slug: 'oxford-shirt',
  name: 'Oxford Shirt',
  description: 'A button-down in heavy oxford cloth.',
  price: '45.00',
  currency: 'USD',
  image: '/api/products/images/oxford-shirt-1.svg',
  images: ['/api/products/images/oxford-shirt-1.svg', '/api/products/photos/ab.webp'],
  category: { slug: 'shirts-tops', name: 'Shirts & Tops' },
  attributes: { material: 'cotton' },
  in_stock: true,
  stock: 3,
  variants: [variant()],
  ...over,
})

describe('productJsonLd', () => {
  it('describes a product of one price as a schema.org Product with one Offer', () => {
    expect(productJsonLd(product(), ORIGIN)).toEqual({
      '@context': 'https://schema.org',
      '@type': 'Product',
      name: 'Oxford Shirt',
      description: 'A button-down in heavy oxford cloth.',
      url: 'https://shop.example/products/oxford-shirt',
      image: ['https://shop.example/api/products/images/oxford-shirt-1.svg', 'https://shop.example/api/products/photos/ab.webp'],
      sku: 'OX-M',
      category: 'Shirts & Tops',
      offers: {
        '@type': 'Offer',
        url: 'https://shop.example/products/oxford-shirt',
        price: '45.00',
        priceCurrency: 'USD',
        availability: 'https://schema.org/InStock',
      },
    })
  })

  it('gives variants of different prices an AggregateOffer from the lowest to the highest, each its own Offer', () => {
    const variants = [
      variant({ sku: 'OX-S', label: 'S', price: '45.00' }),
      variant({ sku: 'OX-XXL', label: 'XXL', price: '78.00', stock: 0, in_stock: false }),
      variant({ sku: 'OX-M', label: 'M', price: '9.50' }),
    ]
    const { offers, sku } = productJsonLd(product({ variants, price: '9.50' }), ORIGIN)
    expect(sku).toBeUndefined()
    expect(offers).toMatchObject({ '@type': 'AggregateOffer', lowPrice: '9.50', highPrice: '78.00', priceCurrency: 'USD', offerCount: 3 })
    expect(offers.offers).toEqual([
      { '@type': 'Offer', sku: 'OX-S', name: 'S', price: '45.00', priceCurrency: 'USD', availability: 'https://schema.org/InStock' },
      { '@type': 'Offer', sku: 'OX-XXL', name: 'XXL', price: '78.00', priceCurrency: 'USD', availability: 'https://schema.org/OutOfStock' },
      { '@type': 'Offer', sku: 'OX-M', name: 'M', price: '9.50', priceCurrency: 'USD', availability: 'https://schema.org/InStock' },
    ])
  })

  it('says a sold-out product is out of stock, and names its brand when it has one', () => {
    const sold = productJsonLd(product({ in_stock: false, stock: 0, variants: [variant({ stock: 0, in_stock: false })], attributes: { brand: 'Alden' } }), ORIGIN)
    expect(sold.offers.availability).toBe('https://schema.org/OutOfStock')
    expect(sold.brand).toEqual({ '@type': 'Brand', name: 'Alden' })
  })

  it('leaves out what the product does not have, and survives the text it has', () => {
    const bare = productJsonLd(product({ description: '', images: [], image: null, slug: 'a-b' }), ORIGIN)
    expect(bare).not.toHaveProperty('description')
    expect(bare).not.toHaveProperty('image')
    expect(JSON.parse(JSON.stringify(bare))).toEqual(bare)
    expect(productPath({ slug: 'a-b' })).toBe('/products/a-b')
  })
})
