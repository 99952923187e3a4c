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
  const shipping = {}
  for (const name of Object.keys(FIELDS)) if (name !== 'comment') shipping[name] = String(form[name] ?? '').trim()
  const comment = String(form.comment ?? '').trim()
  return comment ? { shipping, comment } : { shipping }
}
