import { cart as cartApi } from '@/api'
import { newKey } from '@/composables/idempotency'
import { i18n } from '@/i18n'
import { installShoppingMessages } from '@/i18n/shopping'

import { useUiStore } from './ui'

/**
 * The Undo of clearing the cart (stores/cart.js `putBack`), apart from the store because only a shopper who
 * cleared their cart and then pressed Undo needs it: it is loaded then, not with the catalogue's first bundle.
 * Puts cleared `lines` back, each as much of it as there still is, with the store's `accept` and `load`; then
 * says what could not come back. Resolves to true when every line came back whole.
 */
export async function putBackLines(lines, { accept, load }) {
  installShoppingMessages() // the texts of what came back (`cart.back…`), the side cart's
  const { t } = i18n.global
  const missing = []
  for (const line of lines) {
    const add = (quantity) => cartApi.add({ productId: line.product_id, variantId: line.variant_id, quantity }, newKey())
    const what = line.label ? `${line.name} (${line.label})` : line.name
    try {
      accept(await add(line.quantity))
    } catch (problem) {
      const left = problem.code === 'insufficient_stock' ? problem.body?.available ?? 0 : null
      if (left > 0) {
        try {
          accept(await add(left))
          missing.push(t('cart.backPartly', { what, n: left, asked: line.quantity }))
          continue
        } catch {
          // gone meanwhile too: said below as not back
        }
      }
      missing.push(t(left === null && problem.code !== 'product_not_found' ? 'cart.backFailed' : 'cart.backSoldOut', { what }))
    }
  }
  await load({ quiet: true })
  const ui = useUiStore()
  if (missing.length) ui.toast(t('cart.backExcept', { list: missing.join('; ') }), { tone: 'warning', timeout: 12000 })
  else ui.toast(t('cart.back'), { tone: 'success' })
  ui.openCart()
  return missing.length === 0
}
