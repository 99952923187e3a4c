import { ref } from 'vue'

import { orders } from '@/api'

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

/**
 * Placing an order. Each checkout attempt gets its own Idempotency-Key: a retry of the same attempt (same
 * body, after a lost answer, a 503, or `idempotency_key_in_use`) sends the same key, so the server never
 * makes two orders of one attempt; a changed body, or an attempt the server has answered for good
 * (an order, or a refusal such as `cart_empty`), starts a new one.
 */
export function useCheckout() {
  const placing = ref(false)
  let attempt = null // {key, body}

  async function place(body) {
    const signature = JSON.stringify(body)
    if (!attempt || attempt.body !== signature) attempt = { key: newKey(), body: signature }
    const { key } = attempt
    placing.value = true
    try {
      const order = await orders.create(body, key)
      attempt = null
      return order
    } catch (problem) {
      if (!RETRY_SAME_KEY.has(problem.code) && !problem.code.startsWith('http_5')) attempt = null
      throw problem
    } finally {
      placing.value = false
    }
  }

  return { placing, place, currentKey: () => attempt?.key ?? null }
}
