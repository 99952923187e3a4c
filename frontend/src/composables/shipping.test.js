import { describe, expect, it } from 'vitest'

import { orderBody, validateShipping } from '@/composables/shipping'

const good = { full_name: 'Ada Lovelace', phone: '+44 20 7946 0958', address_line: "12 St James's Square", city: 'London',
  postal_code: 'SW1Y 4JH', country: 'United Kingdom', comment: '' }

describe('the shipping form', () => {
  it('accepts what the orders service accepts', () => {
    expect(validateShipping(good)).toEqual({})
    expect(validateShipping({ ...good, phone: '(555) 123-4567'.replace('(', '5') })).toEqual({})
  })

  it('refuses what the orders service refuses, field by field', () => {
    expect(validateShipping({ ...good, full_name: '  ', phone: 'call me', postal_code: '#1', country: 'X', comment: 'x'.repeat(1001) }))
      .toEqual({ full_name: 'required', phone: 'phone', postal_code: 'postalCode', country: 'tooShort', comment: 'tooLong' })
    expect(validateShipping({ ...good, city: 'x'.repeat(101) })).toEqual({ city: 'tooLong' })
  })

  it('sends trimmed fields, and the comment only when there is one', () => {
    expect(orderBody({ ...good, city: ' London ' })).toEqual({ shipping: { ...Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'comment')), city: 'London' } })
    expect(orderBody({ ...good, comment: ' ring twice ' }).comment).toBe('ring twice')
  })
})
