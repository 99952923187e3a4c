import { afterEach, describe, expect, it, vi } from 'vitest'

import { addresses } from '@/api'
import ProfileAddresses from '@/components/ProfileAddresses.vue'
import { useUiStore } from '@/stores/ui'
import { flush, problem } from '@/test/helpers'
import { mountWith } from '@/test/mount'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    AUTH_CODES: new Set(),
    auth: {},
    users: {},
    addresses: { list: vi.fn(), create: vi.fn(), update: vi.fn(), remove: vi.fn() },
  }
})

const home = { id: 3, full_name: 'Ada Lovelace', phone: '+44 20 7946 0958', address_line: '12 St James', city: 'London',
  postal_code: 'SW1Y 4JH', country: 'United Kingdom', is_default: true }
const work = { ...home, id: 5, address_line: '1 Analytical Row', city: 'Cambridge', postal_code: 'CB2 1TN', is_default: false }
const fields = ({ id: _i, is_default: _d, ...rest }) => rest

async function book(list) {
  addresses.list.mockResolvedValue(list)
  const wrapper = mountWith(ProfileAddresses, { attachTo: document.body })
  await flush()
  return wrapper
}
const toasts = () => useUiStore().toasts.map((t) => t.message)

describe('the profile’s address book', () => {
  let wrapper
  afterEach(() => {
    wrapper?.unmount()
    vi.clearAllMocks()
  })

  it('lists the addresses, the default marked, each action named with its address', async () => {
    wrapper = await book([home, work])
    const items = wrapper.findAll('li')
    expect(items).toHaveLength(2)
    expect(items[0].find('[data-test=default-badge]').exists()).toBe(true)
    expect(items[0].find('[data-test=make-default]').exists()).toBe(false)
    expect(items[1].find('[data-test=remove-address]').attributes('aria-label'))
      .toBe('Delete the address 1 Analytical Row, CB2 1TN Cambridge, United Kingdom')
  })

  it('adds an address from a form that gets focus, then reads the list again', async () => {
    wrapper = await book([])
    expect(wrapper.find('[data-test=addresses-empty]').exists()).toBe(true)
    await wrapper.find('[data-test=add-address]').trigger('click')
    await flush()
    const form = wrapper.find('[data-test=address-form]')
    expect(document.activeElement).toBe(form.find('input[name=full_name]').element)
    await form.trigger('submit')
    expect(form.find('[data-field=city] [data-test=field-error]').text()).toBe('Please fill this in.')
    expect(addresses.create).not.toHaveBeenCalled()
    for (const [name, value] of Object.entries(fields(home))) await form.find(`input[name=${name}]`).setValue(value)
    await form.find('[data-test=address-default]').setValue(true)
    addresses.create.mockResolvedValueOnce(home)
    addresses.list.mockResolvedValueOnce([home])
    await form.trigger('submit')
    await flush()
    expect(addresses.create).toHaveBeenCalledWith({ ...fields(home), is_default: true })
    expect(wrapper.findAll('li')).toHaveLength(1)
    expect(wrapper.find('[data-test=address-form]').exists()).toBe(false)
    expect(toasts()).toContain('The address is saved.')
  })

  it('edits an address, sending no is_default for the default one', async () => {
    wrapper = await book([home, work])
    await wrapper.findAll('[data-test=edit-address]')[0].trigger('click')
    const form = wrapper.find('[data-test=address-form]')
    expect(form.find('input[name=city]').element.value).toBe('London')
    expect(form.find('[data-test=address-default]').exists()).toBe(false)
    expect(form.text()).toContain('This is your default address.')
    await form.find('input[name=city]').setValue('Bath')
    addresses.update.mockResolvedValueOnce({ ...home, city: 'Bath' })
    await form.trigger('submit')
    await flush()
    expect(addresses.update).toHaveBeenCalledWith(3, { ...fields(home), city: 'Bath' })
  })

  it('says the shop’s text for the server’s field codes, and a full book, in place', async () => {
    wrapper = await book([home])
    await wrapper.find('[data-test=add-address]').trigger('click')
    const form = wrapper.find('[data-test=address-form]')
    for (const [name, value] of Object.entries(fields(work))) await form.find(`input[name=${name}]`).setValue(value)
    addresses.create.mockRejectedValueOnce(problem(409, 'address_limit'))
    await form.trigger('submit')
    await flush()
    expect(form.find('[data-test=form-error]').text()).toBe('Your address book is full. Delete an address first.')
    addresses.create.mockRejectedValueOnce(problem(422, 'validation_error', { errors: { json: { postal_code: ['Not a postal code.'] } },
      error_codes: { json: { postal_code: ['invalid'] } } }))
    await form.trigger('submit')
    await flush()
    expect(form.find('[data-field=postal_code] [data-test=field-error]').text())
      .toBe('Enter a postal code: letters, digits, spaces and dashes.')
  })

  it('makes another address the default, and deletes one only once asked', async () => {
    wrapper = await book([home, work])
    addresses.update.mockResolvedValueOnce({ ...work, is_default: true })
    addresses.list.mockResolvedValueOnce([{ ...work, is_default: true }, { ...home, is_default: false }])
    await wrapper.find('[data-test=make-default]').trigger('click')
    await flush()
    expect(addresses.update).toHaveBeenCalledWith(5, { is_default: true })
    expect(wrapper.findAll('li')[0].text()).toContain('1 Analytical Row')

    await wrapper.findAll('[data-test=remove-address]')[1].trigger('click')
    await flush()
    expect(document.querySelector('[data-test=remove-text]').textContent).toContain('12 St James, SW1Y 4JH London')
    expect(addresses.remove).not.toHaveBeenCalled()
    addresses.remove.mockResolvedValueOnce(undefined)
    addresses.list.mockResolvedValueOnce([{ ...work, is_default: true }])
    document.querySelector('[data-test=confirm-remove]').click()
    await flush()
    expect(addresses.remove).toHaveBeenCalledWith(3)
    expect(wrapper.findAll('li')).toHaveLength(1)
    expect(toasts()).toContain('The address is deleted.')
  })

  it('reads the list again when an address has gone meanwhile', async () => {
    wrapper = await book([home, work])
    addresses.update.mockRejectedValueOnce(problem(404, 'address_not_found'))
    addresses.list.mockResolvedValueOnce([home])
    await wrapper.find('[data-test=make-default]').trigger('click')
    await flush()
    expect(wrapper.findAll('li')).toHaveLength(1)
    expect(toasts()).toContain('That address is no longer in your address book.')
  })
})
