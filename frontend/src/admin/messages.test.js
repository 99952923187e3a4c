import { describe, expect, it } from 'vitest'

import { i18n, setLocale } from '@/i18n'

import { adminMessageModules, installAdminMessages } from './messages'

const keys = (o, p = '') => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]))

describe('the back office’s texts', () => {
  it('come from every section, each with the same keys in English and Russian', () => {
    expect(Object.keys(adminMessageModules)).toEqual(expect.arrayContaining(['components', 'customers', 'dashboard', 'orders']))
    for (const [folder, messages] of Object.entries(adminMessageModules)) {
      expect(Object.keys(messages).sort(), folder).toEqual(['en', 'ru'])
      expect(keys(messages.ru).sort(), folder).toEqual(keys(messages.en).sort())
    }
  })

  it('live under admin.<folder>, and survive the storefront’s Russian texts loading after them', async () => {
    installAdminMessages()
    await setLocale('ru')
    const { t } = i18n.global
    expect(t('admin.orders.title')).toBe('Заказы')
    expect(t('catalogue.count', { n: 2 }, 2)).toBe('2 товара') // the storefront's, loaded after
    expect(t('admin.customers.found', { n: 22 }, 22)).toBe('22 аккаунта')
    await setLocale('en')
    expect(t('admin.orders.found', { n: 1 }, 1)).toBe('1 order')
  })

  it('name every order status the orders section can show', async () => {
    const { STATUSES } = await import('./orders/ordersQuery')
    const en = adminMessageModules.orders.en
    // an order starts pending or awaiting its payment, and only the payment confirms it: never a move of staff
    for (const s of STATUSES.filter((x) => !['pending', 'awaiting_payment'].includes(x))) expect(en.moveTo[s], s).toBeTruthy()
  })
})
