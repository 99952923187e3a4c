import { describe, expect, it } from 'vitest'

import ProductCard from '@/components/ProductCard.vue'
import ProductGallery from '@/components/ProductGallery.vue'
import { mountWith } from '@/test/mount'

import { cardPicture, galleryPictures, SLOTS, smallestOf, srcsetOf } from './photos'

const SIZES = { 1200: '/api/products/images/b-1200.webp', 400: '/api/products/images/a-400.webp' }
const card = (extra) => ({
  id: 1, slug: 'linen-shirt', name: 'Linen shirt', price: '40.00', currency: 'USD', stock: 3, in_stock: true,
  category: { slug: 'shirts', name: 'Shirts' }, image: '/api/products/images/linen-shirt-1.svg', image_sizes: null, ...extra,
})

describe('responsive product pictures', () => {
  it('lists a photo\'s sizes narrowest first, as width descriptors', () => {
    expect(srcsetOf(SIZES)).toBe('/api/products/images/a-400.webp 400w, /api/products/images/b-1200.webp 1200w')
    expect(smallestOf(SIZES)).toBe('/api/products/images/a-400.webp')
  })

  it('never claims a width the photo does not have, and skips what is not a size', () => {
    expect(srcsetOf(SIZES, 800)).toBe('/api/products/images/a-400.webp 400w, /api/products/images/b-1200.webp 800w')
    expect(srcsetOf({ 400: 'a', 1200: 'b' }, 300)).toBe('a 300w') // both clamp to 300: one candidate
    expect(srcsetOf({ x: 'a', 0: 'b', 400: '' })).toBe('')
    expect(srcsetOf(null)).toBe('')
    expect(smallestOf(null)).toBeNull()
  })

  it('gives a card its photo sizes, or its artwork alone when it has no photo', () => {
    expect(cardPicture(card({ image_sizes: SIZES }))).toEqual({
      src: '/api/products/images/a-400.webp', srcset: srcsetOf(SIZES), sizes: SLOTS.card })
    expect(cardPicture(card())).toEqual({ src: '/api/products/images/linen-shirt-1.svg' })
  })

  it('gives a product page its photos with their own dimensions, else its artwork', () => {
    const detail = card({ images: ['/p/1.webp'], photos: [{ id: 7, url: '/p/1.webp', width: 1200, height: 1500, sizes: SIZES }] })
    expect(galleryPictures(detail)).toEqual([{ key: 'photo-7', src: '/p/1.webp', srcset: srcsetOf(SIZES), width: 1200, height: 1500 }])
    const artwork = card({ images: ['/a/1.svg', '/a/2.svg'], photos: [] })
    expect(galleryPictures(artwork).map((p) => [p.src, p.srcset, p.width, p.height])).toEqual([
      ['/a/1.svg', '', 800, 1000], ['/a/2.svg', '', 800, 1000]])
    expect(galleryPictures(card({ images: undefined })).map((p) => p.src)).toEqual(['/api/products/images/linen-shirt-1.svg'])
    expect(galleryPictures(null)).toEqual([])
  })

  it('renders a card with srcset, sizes and reserved space, lazily unless it is above the fold', () => {
    const lazy = mountWith(ProductCard, { props: { product: card({ image_sizes: SIZES }) } }).get('img')
    expect(lazy.attributes()).toMatchObject({ srcset: srcsetOf(SIZES), sizes: SLOTS.card, width: '800', height: '1000', loading: 'lazy' })
    const eager = mountWith(ProductCard, { props: { product: card(), eager: true } }).get('img')
    expect(eager.attributes('loading')).toBe('eager')
    expect(eager.attributes('srcset')).toBeUndefined()
    expect(eager.attributes('src')).toBe('/api/products/images/linen-shirt-1.svg')
    // no photo and no artwork (a product made through the API): the picture's box, empty, and no broken image
    const bare = mountWith(ProductCard, { props: { product: card({ image: null }) } })
    expect(bare.find('img').exists()).toBe(false)
    expect(bare.find('.card__media').exists()).toBe(true)
  })

  it('renders the gallery: the main picture at the page\'s slot, thumbnails at theirs, lazily', () => {
    const pictures = galleryPictures(card({ photos: [
      { id: 1, url: '/p/1.webp', width: 1200, height: 1500, sizes: SIZES },
      { id: 2, url: '/p/2.webp', width: 900, height: 1200, sizes: { 400: '/p/2-400.webp', 1200: '/p/2.webp' } }] }))
    const wrapper = mountWith(ProductGallery, { props: { pictures, name: 'Linen shirt', modelValue: 1 } })
    const main = wrapper.get('[data-test="main-image"]')
    expect(main.attributes()).toMatchObject({ src: '/p/2.webp', sizes: SLOTS.gallery, width: '900', height: '1200', alt: 'Linen shirt' })
    expect(main.attributes('srcset')).toBe('/p/2-400.webp 400w, /p/2.webp 900w')
    const thumbs = wrapper.findAll('.gallery__thumb img')
    expect(thumbs.map((t) => [t.attributes('sizes'), t.attributes('loading')])).toEqual([['72px', 'lazy'], ['72px', 'lazy']])
  })
})
