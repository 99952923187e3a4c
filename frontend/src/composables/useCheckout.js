import { ref } from 'vue'

import { orders } from '@/api'

import { newKey, RETRY_SAME_KEY } from './idempotency'

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
