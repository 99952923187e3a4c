/**
 * Money arithmetic on the API's decimal strings, in integer cents (never floats), for the cart's
 * optimistic totals. Display goes through Intl (useFormat).
 */
export function toCents(amount) {
  const [whole, fraction = ''] = String(amount).trim().split('.')
  const sign = whole.startsWith('-') ? -1 : 1
  return sign * (Math.abs(Number(whole)) * 100 + Number((fraction + '00').slice(0, 2)))
}

export function fromCents(cents) {
  const sign = cents < 0 ? '-' : ''
  const abs = Math.abs(cents)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}
