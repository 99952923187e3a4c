import { i18n } from '@/i18n'

import en from './en.json'
import ru from './ru.json'

/**
 * The texts of the product page (`product.…` but a card's price, `stepper.…`, `meta.product`), the side cart
 * (`cart.…` but the toast of clearing it, which the cart store says) and the catalogue's facet panel
 * (`catalogue.facets.…` but its toggle): each is shown only after the shopper leaves the catalogue's first view
 * or opens something on it, so they are kept out of its first bundle (scripts/initial-js.mjs, 100 KB) and merged
 * into vue-i18n when the first component that shows them loads (installShoppingMessages), like the account and
 * order texts (../account, ../orders).
 */
export const shoppingMessages = { en, ru }

let installed = false

export function installShoppingMessages() {
  if (installed) return
  installed = true
  for (const [locale, messages] of Object.entries(shoppingMessages)) i18n.global.mergeLocaleMessage(locale, messages)
}
