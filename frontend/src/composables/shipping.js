/**
 * The shipping form's rules, the same as the orders service's (services/orders/src/orders/schemas.py), so
 * the shopper hears about a mistake before sending; the server's answer (422 `errors.json`) still wins.
 */
export const PHONE = /^\+?[0-9][0-9 ()-]{4,30}$/
export const POSTAL_CODE = /^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$/

export const FIELDS = {
  full_name: { min: 1, max: 150 },
  phone: { min: 1, max: 32, pattern: PHONE },
  address_line: { min: 1, max: 300 },
  city: { min: 1, max: 100 },
  postal_code: { min: 1, max: 12, pattern: POSTAL_CODE },
  country: { min: 2, max: 100 },
  comment: { min: 0, max: 1000 },
}

/** The fields of an address: an order's `shipping`, and an address of the address book (the same schema). */
export const ADDRESS_FIELDS = Object.keys(FIELDS).filter((name) => name !== 'comment')

export const emptyAddress = () => Object.fromEntries(ADDRESS_FIELDS.map((name) => [name, '']))

/** The address fields of `form` (an address, a checkout form, a saved address), trimmed. */
export function addressOf(form) {
  return Object.fromEntries(ADDRESS_FIELDS.map((name) => [name, String(form?.[name] ?? '').trim()]))
}

/** One line naming an address, for lists and screen readers: "12 St James, SW1Y 4JH London, UK". */
export function addressSummary(address) {
  return [address.address_line, [address.postal_code, address.city].filter(Boolean).join(' '), address.country]
    .filter(Boolean).join(', ')
}

/** {field: message key} for what is wrong with `form` (empty when all is well). */
export function validateShipping(form) {
  const errors = {}
  for (const [name, rule] of Object.entries(FIELDS)) {
    const value = String(form[name] ?? '').trim()
    if (rule.min > 0 && value.length === 0) errors[name] = 'required'
    else if (value.length < rule.min) errors[name] = 'tooShort'
    else if (value.length > rule.max) errors[name] = 'tooLong'
    else if (rule.pattern && !rule.pattern.test(value)) errors[name] = name === 'phone' ? 'phone' : 'postalCode'
  }
  return errors
}

/** The body of POST /api/order/create/. */
export function orderBody(form) {
  const shipping = addressOf(form)
  const comment = String(form.comment ?? '').trim()
  return comment ? { shipping, comment } : { shipping }
}
