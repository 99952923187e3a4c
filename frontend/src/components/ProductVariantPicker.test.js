import { describe, expect, it } from 'vitest'

import ProductVariantPicker from '@/components/ProductVariantPicker.vue'
import { mountWith } from '@/test/mount'

const axes = [
  { name: 'color', values: [{ value: 'Rust', available: true }, { value: 'Bottle Green', available: false }] },
  { name: 'size', values: [{ value: 'S', available: true }, { value: 'L', available: false }] },
]

describe('ProductVariantPicker', () => {
  it('shows sold-out values, struck through, that cannot be chosen', () => {
    const wrapper = mountWith(ProductVariantPicker, { props: { axes, selected: { color: 'Rust' } } })
    const green = wrapper.find('[data-value="Bottle Green"]')
    expect(green.classes()).toContain('picker__option--out')
    expect(green.find('input').element.disabled).toBe(true)
    expect(green.text()).toContain('(Sold out)')
    expect(wrapper.find('[data-value="Rust"] input').element.checked).toBe(true)
    expect(wrapper.find('[data-value="S"] input').element.disabled).toBe(false)
    expect(wrapper.findAll('legend').map((l) => l.text())).toEqual(['Colour: Rust', 'Size'])
  })

  it('tells its parent what was chosen', async () => {
    const wrapper = mountWith(ProductVariantPicker, { props: { axes, selected: {} } })
    await wrapper.find('[data-value="S"] input').setValue(true)
    expect(wrapper.emitted('select')).toEqual([['size', 'S']])
  })
})
