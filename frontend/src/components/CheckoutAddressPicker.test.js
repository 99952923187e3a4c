import { describe, expect, it } from 'vitest'

import CheckoutAddressPicker from '@/components/CheckoutAddressPicker.vue'
import { mountWith } from '@/test/mount'

const home = { id: 3, full_name: 'Ada Lovelace', phone: '+44 20 7946 0958', address_line: '12 St James', city: 'London',
  postal_code: 'SW1Y 4JH', country: 'United Kingdom', is_default: true }
const work = { ...home, id: 5, address_line: '1 Analytical Row', city: 'Cambridge', postal_code: 'CB2 1TN', is_default: false }

describe('checkout’s saved addresses', () => {
  it('are one labelled radio group, the chosen one checked, with a new address last', async () => {
    const wrapper = mountWith(CheckoutAddressPicker, { props: { addresses: [home, work], modelValue: 3 } })
    expect(wrapper.find('fieldset legend').text()).toBe('Where should we send it?')
    const radios = wrapper.findAll('input[type=radio]')
    expect(radios.map((r) => r.attributes('name'))).toEqual(['saved_address', 'saved_address', 'saved_address'])
    expect(radios.map((r) => r.element.checked)).toEqual([true, false, false])
    expect(wrapper.find('[data-test=address-3]').text()).toContain('12 St James, SW1Y 4JH London, United Kingdom')
    expect(wrapper.find('[data-test=address-3]').text()).toContain('Default')
    expect(wrapper.find('[data-test=address-5]').text()).not.toContain('Default')
    expect(wrapper.find('[data-test=address-new]').text()).toBe('A new address')
  })

  it('gives the chosen address’s id, or new', async () => {
    const wrapper = mountWith(CheckoutAddressPicker, { props: { addresses: [home, work], modelValue: 3 } })
    await wrapper.find('[data-test=address-5] input').setValue(true)
    await wrapper.find('[data-test=address-new] input').setValue(true)
    expect(wrapper.emitted('update:modelValue')).toEqual([[5], ['new']])
  })
})
