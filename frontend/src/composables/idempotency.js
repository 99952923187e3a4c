// The Idempotency-Keys of checkout (useCheckout.js) and of adding to the cart (stores/cart.js), apart from
// checkout so that the cart, which the catalogue loads first, does not bring checkout along.

/** A new Idempotency-Key: crypto.randomUUID where the page is a secure context, else a v4 UUID by hand. */
export function newKey() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID()
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16))
  bytes[6] = (bytes[6] & 0x0f) | 0x40
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** Failures after which the same attempt may be sent again under its key: no answer, or one that says
 * "not now" (the server made nothing, or is still making it). Every other answer is final for its key
 * (`cart_empty`, `insufficient_stock`, ...: the same key would only repeat it), so the next try is a new
 * attempt (CONTRACT.md and the README: orders). */
export const RETRY_SAME_KEY = new Set([
  'network_error', 'idempotency_key_in_use', 'products_unavailable', 'cart_unavailable', 'bad_gateway',
  'service_unavailable', 'database_unavailable', 'revocations_unavailable', 'gateway_timeout', 'internal_error',
  'too_many_requests', 'checkout_in_progress', 'payments_unavailable',
])
