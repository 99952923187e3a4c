import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { cart as cartApi } from '@/api'
import { fromCents, toCents } from '@/composables/money'
import { newKey, RETRY_SAME_KEY } from '@/composables/idempotency'
import { i18n } from '@/i18n'

import { useSessionStore } from './session'
import { useUiStore } from './ui'

export const MAX_LINE_QUANTITY = 99
const EMPTY = Object.freeze({ items: [], total_quantity: 0, total_price: '0.00', currency: null })

/** `cart` with `lines` instead of its own, and the totals they make. */
function withTotals(cart, lines) {
  return {
    ...cart,
    items: lines,
    total_quantity: lines.reduce((sum, line) => sum + line.quantity, 0),
    total_price: fromCents(lines.reduce((sum, line) => sum + toCents(line.line_total), 0)),
  }
}

/**
 * The shopper's cart. `confirmed` is the server's last answer; quantity changes, deletes and a clear show
 * at once as `overrides` laid over it, are sent one at a time per line (a burst of clicks sends only the
 * last quantity), and are dropped when the server answers: with its cart on success, or, when it refuses,
 * back to what it last said, with a toast. Adds are not optimistic (the server picks the line), but they
 * never reload the page; the server merges a variant added twice into one line and we show its answer.
 */
export const useCartStore = defineStore('cart', () => {
  const confirmed = ref(EMPTY)
  /** line id -> the quantity the shopper asked for (0: deleted), not yet confirmed */
  const overrides = ref({})
  const cleared = ref(false)
  const loading = ref(false)
  const loaded = ref(false)
  const adding = ref(false)
  const chains = new Map()
  // answers are applied in the order their requests were made: a slow load never undoes a later add
  let issued = 0
  let applied = 0
  /** the last add that had no answer for good: {signature, key} (see `add`) */
  let unsettledAdd = null
  /** line id -> what the shop changed of the shopper's quantity, to say beside the line: {kind: 'limited' |
   * 'max' | 'soldOut', asked, n} (cleared by the line's next change) */
  const notices = ref({})

  const cart = computed(() => {
    if (!cleared.value && Object.keys(overrides.value).length === 0) return confirmed.value
    const lines = cleared.value
      ? []
      : confirmed.value.items
        .map((line) => {
          const wanted = overrides.value[line.id]
          if (wanted === undefined) return line
          return { ...line, quantity: wanted, line_total: fromCents(toCents(line.unit_price) * wanted) }
        })
        .filter((line) => line.quantity > 0)
    return withTotals(confirmed.value, lines)
  })
  const items = computed(() => cart.value.items)
  const count = computed(() => cart.value.total_quantity)
  const isEmpty = computed(() => items.value.length === 0)
  const busy = computed(() => Object.keys(overrides.value).length > 0 || cleared.value)

  /** How many of a variant are in the cart already. */
  function quantityOf(variantId) {
    return items.value.find((line) => line.variant_id === variantId)?.quantity ?? 0
  }

  function accept(answer, seq = ++issued) {
    if (seq < applied) return
    applied = seq
    confirmed.value = answer && Array.isArray(answer.items) ? answer : EMPTY
    loaded.value = true
  }

  async function load({ quiet = false } = {}) {
    if (!useSessionStore().signedIn) return reset()
    loading.value = !quiet
    const seq = ++issued
    try {
      accept(await cartApi.get(), seq)
    } catch (problem) {
      // a session that ended meanwhile is said once, by the session store
      if (!quiet && useSessionStore().signedIn) useUiStore().toastProblem(problem)
    } finally {
      loading.value = false
    }
  }

  function reset() {
    applied = ++issued
    confirmed.value = EMPTY
    overrides.value = {}
    notices.value = {}
    cleared.value = false
    loaded.value = false
  }

  /**
   * Add `quantity` of a product (and variant). A guest is asked to sign in first, and the add goes through
   * once they have (this call then resolves to false at once). Resolves to true when the item is in the cart.
   */
  async function add({ product, variant = null, quantity = 1 }) {
    const ui = useUiStore()
    if (!useSessionStore().signedIn) {
      ui.requireAuth(() => add({ product, variant, quantity }), 'add_to_cart')
      return false
    }
    adding.value = true
    const seq = ++issued
    // the same add tried again after a "not now" (no answer, a 503: it may have been made) keeps its key
    const signature = JSON.stringify([product.id, variant?.id ?? null, quantity])
    if (!unsettledAdd || unsettledAdd.signature !== signature) unsettledAdd = { signature, key: newKey() }
    try {
      accept(await cartApi.add({ productId: product.id, variantId: variant?.id, quantity }, unsettledAdd.key), seq)
      unsettledAdd = null
      ui.openCart()
      return true
    } catch (problem) {
      if (!RETRY_SAME_KEY.has(problem.code)) unsettledAdd = null
      ui.toastProblem(problem)
      if (problem.code === 'insufficient_stock') load({ quiet: true })
      return false
    } finally {
      adding.value = false
    }
  }

  function setOverride(lineId, quantity) {
    overrides.value = { ...overrides.value, [lineId]: quantity }
  }

  function dropOverride(lineId, quantity) {
    if (overrides.value[lineId] !== quantity) return // a newer change of this line is on its way
    const { [lineId]: _, ...rest } = overrides.value
    overrides.value = rest
  }

  /** Queue `task` after the line's earlier changes, so the server sees them in the order they were made. */
  function enqueue(lineId, task) {
    const next = (chains.get(lineId) ?? Promise.resolve()).then(task)
    chains.set(lineId, next)
    next.finally(() => chains.get(lineId) === next && chains.delete(lineId))
    return next
  }

  function setNotice(lineId, notice) {
    const { [lineId]: _, ...rest } = notices.value
    notices.value = notice ? { ...rest, [lineId]: notice } : rest
  }

  /** The most of a line the cart can hold: what is in stock, and never more than MAX_LINE_QUANTITY. */
  function limitOf(line) {
    return Math.min(line.stock ?? MAX_LINE_QUANTITY, MAX_LINE_QUANTITY)
  }

  /** The shopper asked for `asked` of a line and got `n` (the stepper stops at the line's limit): say why. */
  function noteLimited(lineId, asked, n) {
    const line = confirmed.value.items.find((l) => l.id === lineId)
    if (!line || asked <= n) return
    setNotice(lineId, { kind: n >= MAX_LINE_QUANTITY && limitOf(line) >= MAX_LINE_QUANTITY ? 'max' : 'limited', asked, n })
  }

  /** Show `quantity` at once; send it. Asked for more than there is, the line gets what there is, and says so;
   * a refusal rolls it back: to what is left when stock went meanwhile (said beside the line), else with a toast. */
  function setQuantity(lineId, quantity) {
    const line = confirmed.value.items.find((l) => l.id === lineId)
    if (!line || quantity < 1) return Promise.resolve(false)
    setNotice(lineId, null)
    if (quantity > limitOf(line) && limitOf(line) >= 1) {
      noteLimited(lineId, quantity, limitOf(line))
      quantity = limitOf(line)
    }
    if (quantity > MAX_LINE_QUANTITY) return Promise.resolve(false)
    setOverride(lineId, quantity)
    return enqueue(lineId, async () => {
      if (overrides.value[lineId] !== quantity) return true // superseded: only the latest is sent
      const seq = ++issued
      try {
        accept(await cartApi.update(lineId, quantity), seq)
        dropOverride(lineId, quantity)
        return true
      } catch (problem) {
        dropOverride(lineId, quantity)
        const left = problem.code === 'insufficient_stock' ? problem.body?.available : undefined
        if (left === 0) setNotice(lineId, { kind: 'soldOut', asked: quantity, n: 0 })
        else if (left > 0 && left < quantity) {
          await load({ quiet: true }) // the line's stock as it is now
          // what is left, sent after this change (not awaited: it waits in this line's queue, behind us)
          setQuantity(lineId, left)
          setNotice(lineId, { kind: 'limited', asked: quantity, n: left })
          return false
        } else useUiStore().toastProblem(problem)
        load({ quiet: true }) // the stock we were told may have changed
        return false
      }
    })
  }

  function remove(lineId) {
    setOverride(lineId, 0)
    return enqueue(lineId, async () => {
      try {
        await cartApi.remove(lineId)
        applied = ++issued
        confirmed.value = withTotals(confirmed.value, confirmed.value.items.filter((l) => l.id !== lineId))
        dropOverride(lineId, 0)
        return true
      } catch (problem) {
        dropOverride(lineId, 0)
        if (problem.code === 'item_not_found') {
          load({ quiet: true })
          return true
        }
        useUiStore().toastProblem(problem)
        return false
      }
    })
  }

  /** Empty the cart, with an Undo in the toast that says so (`putBack`). */
  async function clear() {
    const { t } = i18n.global
    const lines = cart.value.items.map(({ product_id, variant_id, name, label, quantity }) =>
      ({ product_id, variant_id, name, label, quantity }))
    cleared.value = true
    try {
      await cartApi.clear()
      applied = ++issued
      confirmed.value = { ...EMPTY, currency: confirmed.value.currency }
      overrides.value = {}
      notices.value = {}
      const ui = useUiStore()
      const id = ui.toast(t('cart.cleared'), {
        tone: 'info', timeout: 10000, action: { label: t('cart.undo'), run: () => (ui.dismiss(id), putBack(lines)) },
      })
      return true
    } catch (problem) {
      useUiStore().toastProblem(problem)
      return false
    } finally {
      cleared.value = false
    }
  }

  /** Put cleared `lines` back (the Undo of `clear`): cartUndo.js, loaded only when the shopper asks for it. */
  async function putBack(lines) {
    const { putBackLines } = await import('./cartUndo')
    return putBackLines(lines, { accept, load })
  }

  return {
    cart, items, count, isEmpty, busy, loading, loaded, adding, confirmed, notices,
    load, reset, add, setQuantity, noteLimited, remove, clear, putBack, quantityOf,
  }
})
