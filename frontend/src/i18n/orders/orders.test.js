import { describe, expect, it } from 'vitest'

import { i18n, setLocale } from '@/i18n'
import { accountMessages } from '@/i18n/account'
import { problemMessage } from '@/composables/problems'
import { problem } from '@/test/helpers'

import { installOrderMessages, orderMessages } from './index'

const keys = (o, p = '') => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]))

describe('the order pages’ texts', () => {
  it('have the same keys in English and Russian, none of them the storefront’s or the account pages’', async () => {
    expect(keys(orderMessages.ru).sort()).toEqual(keys(orderMessages.en).sort())
    const elsewhere = new Set([...keys((await import('../locales/en.json')).default), ...keys(accountMessages.en)])
    expect(keys(orderMessages.en).filter((k) => elsewhere.has(k))).toEqual([])
  })

  it('are not there until a page of orders installs them, then join the storefront’s problems in both languages', async () => {
    const { t, te } = i18n.global
    expect(te('checkout.title', 'en')).toBe(false)
    expect(problemMessage(problem(409, 'not_cancellable'))).toBe('Something went wrong. Please try again.')
    installOrderMessages()
    expect(t('checkout.title')).toBe(orderMessages.en.checkout.title)
    expect(problemMessage(problem(409, 'not_cancellable'))).toBe('This order has shipped and can no longer be cancelled.')
    await setLocale('ru')
    expect(t('orders.status.delivered')).toBe(orderMessages.ru.orders.status.delivered)
    expect(problemMessage(problem(409, 'cart_empty'))).toBe('Корзина пуста.')
    expect(t('problems.cart_full')).toMatch(/^Корзина заполнена/) // the storefront's own, loaded after
    await setLocale('en')
  })
})
