import { describe, expect, it } from 'vitest'
import { ref } from 'vue'

import { useVariantPicker } from '@/composables/useVariantPicker'

const v = (id, size, color, stock) => ({
  id, sku: `S-${id}`, label: `${size} / ${color}`, attributes: { size, color }, price: '89.00', stock, in_stock: stock > 0,
})

// Brushed Flannel Overshirt of the demo catalogue: 3 units over 8 variants
const flannel = [
  v(1, 'S', 'Rust', 1), v(2, 'M', 'Rust', 1), v(3, 'L', 'Rust', 0), v(4, 'XL', 'Rust', 1),
  v(5, 'S', 'Bottle Green', 0), v(6, 'M', 'Bottle Green', 0), v(7, 'L', 'Bottle Green', 0), v(8, 'XL', 'Bottle Green', 0),
]

const values = (axes, name) => Object.fromEntries(axes.find((a) => a.name === name).values.map((x) => [x.value, x.available]))

describe('the variant picker', () => {
  it('offers colour first, chooses the first colour with stock, and leaves the size to the shopper', () => {
    const picker = useVariantPicker(ref(flannel))
    expect(picker.axes.value.map((a) => a.name)).toEqual(['color', 'size'])
    expect(picker.selected.value).toEqual({ color: 'Rust' })
    expect(picker.variant.value).toBeNull()
  })

  it('shows a colour with nothing left as sold out, and sizes sold out in the chosen colour', () => {
    const picker = useVariantPicker(ref(flannel))
    expect(values(picker.axes.value, 'color')).toEqual({ Rust: true, 'Bottle Green': false })
    expect(values(picker.axes.value, 'size')).toEqual({ S: true, M: true, L: false, XL: true })
    expect(picker.isAvailable('size', 'L')).toBe(false)
  })

  it('names the variant once every axis is chosen', () => {
    const picker = useVariantPicker(ref(flannel))
    picker.select('size', 'M')
    expect(picker.variant.value.id).toBe(2)
  })

  it('drops a size that the new colour does not have in stock', () => {
    const shirts = [v(1, 'S', 'Navy', 2), v(2, 'M', 'Navy', 2), v(3, 'S', 'White', 0), v(4, 'M', 'White', 3)]
    const picker = useVariantPicker(ref(shirts))
    picker.select('size', 'S')
    expect(picker.variant.value.id).toBe(1)
    picker.select('color', 'White')
    expect(picker.selected.value).toEqual({ color: 'White' })
    expect(values(picker.axes.value, 'size')).toEqual({ S: false, M: true })
    picker.select('size', 'M')
    expect(picker.variant.value.id).toBe(4)
  })

  it('handles one axis with prices of its own (a skillet in three sizes, one sold out)', () => {
    const skillet = [
      { id: 1, label: '20 cm', attributes: { size: '20 cm' }, price: '45.00', stock: 38, in_stock: true },
      { id: 2, label: '26 cm', attributes: { size: '26 cm' }, price: '62.00', stock: 0, in_stock: false },
      { id: 3, label: '30 cm', attributes: { size: '30 cm' }, price: '78.00', stock: 39, in_stock: true },
    ]
    const picker = useVariantPicker(ref(skillet))
    expect(picker.selected.value).toEqual({})
    expect(values(picker.axes.value, 'size')).toEqual({ '20 cm': true, '26 cm': false, '30 cm': true })
    picker.select('size', '30 cm')
    expect(picker.variant.value.price).toBe('78.00')
  })

  it('needs no choice for a product with one variant', () => {
    const picker = useVariantPicker(ref([{ id: 9, label: '', attributes: {}, price: '16.00', stock: 51, in_stock: true }]))
    expect(picker.axes.value).toEqual([])
    expect(picker.variant.value.id).toBe(9)
  })

  it('chooses an axis with a single value by itself', () => {
    const picker = useVariantPicker(ref([v(1, 'One size', 'Navy', 3), v(2, 'One size', 'Grey', 0)]))
    expect(picker.selected.value).toEqual({ color: 'Navy', size: 'One size' })
    expect(picker.variant.value.id).toBe(1)
  })

  it('shows everything sold out for a sold-out product', () => {
    const picker = useVariantPicker(ref([v(1, 'S', 'Charcoal', 0), v(2, 'M', 'Charcoal', 0), v(3, 'S', 'Navy', 0)]))
    expect(values(picker.axes.value, 'color')).toEqual({ Charcoal: false, Navy: false })
    expect(values(picker.axes.value, 'size')).toEqual({ S: false, M: false })
  })

  it('starts afresh when the product changes', () => {
    const list = ref(flannel)
    const picker = useVariantPicker(list)
    picker.select('size', 'S')
    list.value = [v(20, 'M', 'Navy', 4)]
    return Promise.resolve().then(() => {
      expect(picker.selected.value).toEqual({ color: 'Navy', size: 'M' })
      expect(picker.variant.value.id).toBe(20)
    })
  })
})
