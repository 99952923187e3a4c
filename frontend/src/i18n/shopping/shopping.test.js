import { describe, expect, it } from 'vitest'

import { i18n, setLocale } from '@/i18n'
import { accountMessages } from '@/i18n/account'
import { orderMessages } from '@/i18n/orders'

import { installShoppingMessages, shoppingMessages } from './index'

const keys = (o, p = '') => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]))

describe('the product page’s, side cart’s and facet panel’s texts', () => {
  it('have the same keys in English and Russian, none of them in another bundle', async () => {
    expect(keys(shoppingMessages.ru).sort()).toEqual(keys(shoppingMessages.en).sort())
    const elsewhere = new Set([...keys((await import('../locales/en.json')).default), ...keys(accountMessages.en),
      ...keys(orderMessages.en)])
    expect(keys(shoppingMessages.en).filter((k) => elsewhere.has(k))).toEqual([])
  })

  it('join the sections they share with the first bundle, and survive its Russian texts loading after them', async () => {
    const { t, te } = i18n.global
    expect(te('cart.subtotal', 'en')).toBe(false)
    installShoppingMessages()
    expect(t('cart.subtotal')).toBe('Subtotal')
    expect(t('cart.cleared')).toBe('Your cart is cleared.') // the first bundle's, beside them
    expect(t('catalogue.facets.size')).toBe('Size')
    await setLocale('ru')
    expect(t('product.from', { price: '10 ₽' })).toBe('От 10 ₽') // the first bundle's, loaded after
    expect(t('product.addToCart')).toBe(shoppingMessages.ru.product.addToCart)
    expect(t('stepper.increase')).toBe(shoppingMessages.ru.stepper.increase)
    await setLocale('en')
  })
})
