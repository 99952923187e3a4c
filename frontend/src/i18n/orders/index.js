import { i18n } from '@/i18n'

import en from './en.json'
import ru from './ru.json'

/**
 * The texts of checkout, the placed order, the order pages and paying for an order (`checkout.…`,
 * `placed.…`, `orders.…`, `payment.…`, `paymentReturn.…`) and the problems only those meet (`problems.…`:
 * an empty cart at checkout, an order that cannot be cancelled, card payments away). None of them is on the
 * catalogue, so they are kept out of its first bundle (scripts/initial-js.mjs, 100 KB) and merged into
 * vue-i18n when the first component that shows them loads (installOrderMessages), like the account texts
 * (../account); the back office's order pages install them too (statuses, payment methods).
 */
export const orderMessages = { en, ru }

let installed = false

export function installOrderMessages() {
  if (installed) return
  installed = true
  for (const [locale, messages] of Object.entries(orderMessages)) i18n.global.mergeLocaleMessage(locale, messages)
}
