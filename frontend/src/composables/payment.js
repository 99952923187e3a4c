import { onScopeDispose, ref, shallowRef, toValue, watch } from 'vue'

import { AUTH_CODES, orders, payments } from '@/api'

/** The ways to pay (CONTRACT.md: Payment), in the order checkout offers them. */
export const METHODS = ['cash_on_delivery', 'card']

/**
 * Where an order's payment stands, as one word the pages have a text for (`payment.state.<word>`):
 * `due` (on delivery), `awaiting` (a card order whose provider's page is open), `paid`, `paidOnDelivery`,
 * `failed`, `expired`, `refunded`, `refundPending`, `refundFailed` (the last attempt failed and payments
 * tries again), `void` (a cash order cancelled: nothing to pay). A cancelled order whose payment is still
 * `paid` is being refunded even before payments has recorded the refund, so it reads `refundPending`.
 * null for an order without a payment.
 */
export function paymentState(order) {
  const payment = order?.payment
  if (!payment) return null
  const { status, method, refund } = payment
  if (status === 'refunded' || refund?.status === 'succeeded') return 'refunded'
  if (refund?.status === 'failed') return 'refundFailed'
  if (refund?.status === 'pending') return 'refundPending'
  if (status === 'paid') {
    if (order.status === 'cancelled') return 'refundPending'
    return method === 'card' ? 'paid' : 'paidOnDelivery'
  }
  if (status === 'requires_action') return 'awaiting'
  if (status === 'due_on_delivery') return order.status === 'cancelled' ? 'void' : 'due'
  if (status === 'failed' || status === 'expired') return status
  return null
}

/** Badge tones of the payment states (the same classes as OrderStatusBadge's). */
export const PAYMENT_TONES = {
  due: 'info', awaiting: 'warning', paid: 'success', paidOnDelivery: 'success', failed: 'danger', expired: 'danger',
  refunded: 'info', refundPending: 'warning', refundFailed: 'danger', void: 'info',
}

/** Whether the card order is still waiting for its provider: nothing more will change without a payment event. */
export function awaitingPayment(order) {
  return order?.status === 'awaiting_payment' && order?.payment?.status === 'requires_action'
}

/**
 * The payment methods the shop offers now (`GET /api/payments/methods/`): `methods` starts with pay on
 * delivery alone and gains `card` when payments lists it; `loaded` turns true either way. When payments
 * cannot be asked, the card is not offered (`unreachable`): an order by card could not be opened either.
 */
export function usePaymentMethods() {
  const methods = ref(['cash_on_delivery'])
  const loaded = ref(false)
  const unreachable = ref(false)
  const controller = new AbortController()

  async function load() {
    try {
      const answer = await payments.methods({ signal: controller.signal })
      methods.value = METHODS.filter((m) => m === 'cash_on_delivery' || answer.methods?.includes(m))
      unreachable.value = false
    } catch (problem) {
      if (problem?.code === 'cancelled') return
      methods.value = ['cash_on_delivery']
      unreachable.value = true
    } finally {
      loaded.value = true
    }
  }

  /** After a 422 `payment_method_unavailable`: the provider went away since the page loaded. */
  function withdraw(method) {
    methods.value = methods.value.filter((m) => m !== method)
  }

  load()
  onScopeDispose(() => controller.abort())
  return { methods, loaded, unreachable, reload: load, withdraw }
}

/** How long the return page follows an order before it says what to do instead, and how often it asks. */
export const FOLLOW = { first: 1000, factor: 1.6, longest: 10_000, limit: 180_000 }

/**
 * Follow one order (`id`: a ref or getter) until its payment is settled: GET /api/order/{id}/ at once, then
 * again after a growing pause (`first`, times `factor`, at most `longest` ms) while the card payment is open,
 * for at most `limit` ms; then `gaveUp` is true and it stops (`resume()` starts again). A failed read keeps
 * what was read before and tries again (the shop may be back next time); `problem` holds it. A 404 or a
 * session that ended stops the following.
 */
export function useOrderFollow(id, options = {}) {
  const { first, factor, longest, limit } = { ...FOLLOW, ...options }
  const order = shallowRef(null)
  const problem = shallowRef(null)
  const following = ref(false)
  const gaveUp = ref(false)
  let timer = null
  let delay = first
  let startedAt = 0
  let round = 0

  function stop() {
    clearTimeout(timer)
    timer = null
    following.value = false
  }

  async function look(mine) {
    let done = false
    try {
      const answer = await orders.get(toValue(id))
      if (mine !== round) return
      order.value = answer
      problem.value = null
      done = !awaitingPayment(answer)
    } catch (p) {
      if (mine !== round) return
      problem.value = p
      done = p?.code === 'order_not_found' || AUTH_CODES.has(p?.code)
    }
    if (done) return stop()
    if (Date.now() - startedAt + delay > limit) {
      gaveUp.value = true
      return stop()
    }
    timer = setTimeout(() => look(mine), delay)
    delay = Math.min(delay * factor, longest)
  }

  function start() {
    stop()
    round += 1
    delay = first
    startedAt = Date.now()
    gaveUp.value = false
    following.value = true
    look(round)
  }

  watch(() => toValue(id), (value) => (value === null || value === undefined ? stop() : start()), { immediate: true })
  onScopeDispose(() => {
    round += 1
    stop()
  })
  return { order, problem, following, gaveUp, resume: start, stop }
}
