import { createI18n } from 'vue-i18n'

import { compileMessage } from './compile'
import en from './locales/en.json'

/** The languages of the shop; English is in the first bundle, the others load when chosen. The texts are
 * in locales/*.json, in the small format of compile.js. */
export const LOCALES = [
  { code: 'en', name: 'English', short: 'EN' },
  { code: 'ru', name: 'Русский', short: 'RU' },
]
const loaders = { ru: () => import('./locales/ru.json') }
const KEY = 'shop.locale'
/** The languages whose storefront texts are in (English always: it is in the first bundle). */
const loaded = new Set(['en'])

/** Russian has three plural forms: 1 товар, 2 товара, 5 товаров (11-14 take the last); a message with
 * four choices starts with one for zero ("пусто | {n} товар | {n} товара | {n} товаров"). */
export function russianPlural(choice, choicesLength) {
  const n = Math.abs(choice)
  const tens = n % 100
  const units = n % 10
  const form = units === 1 && tens !== 11 ? 0 : units >= 2 && units <= 4 && (tens < 12 || tens > 14) ? 1 : 2
  if (choicesLength === 4) return n === 0 ? 0 : form + 1
  return Math.min(form, choicesLength - 1)
}

export const i18n = createI18n({
  legacy: false,
  locale: 'en',
  fallbackLocale: 'en',
  messages: { en },
  pluralRules: { ru: russianPlural },
  messageCompiler: compileMessage,
  missingWarn: false,
  fallbackWarn: false,
})

/** The shopper's choice if made, else the first of the browser's languages that the shop speaks. */
export function preferredLocale() {
  const known = LOCALES.map((l) => l.code)
  try {
    const stored = localStorage.getItem(KEY)
    if (known.includes(stored)) return stored
  } catch {
    // storage may be unavailable (private mode); fall through to the browser's languages
  }
  const wanted = globalThis.navigator?.languages ?? [globalThis.navigator?.language ?? 'en']
  for (const tag of wanted) {
    const code = String(tag).toLowerCase().split('-')[0]
    if (known.includes(code)) return code
  }
  return 'en'
}

/** Switch the language (loading its texts first if needed); `remember` keeps the choice for next time. */
export async function setLocale(code, { remember = false } = {}) {
  if (!loaded.has(code)) {
    const messages = await loaders[code]()
    // merged, not set: the back office may have added its texts in this language already
    i18n.global.mergeLocaleMessage(code, messages.default)
    loaded.add(code)
  }
  i18n.global.locale.value = code
  document.documentElement.lang = code
  if (remember) {
    try {
      localStorage.setItem(KEY, code)
    } catch {
      // not remembered: fine
    }
  }
}
