import { describe, expect, it } from 'vitest'

import { i18n, russianPlural, setLocale } from '@/i18n'

describe('texts', () => {
  it('fills placeholders and picks English plural forms', () => {
    const { t } = i18n.global
    expect(t('catalogue.count', { n: 0 }, 0)).toBe('No products')
    expect(t('catalogue.count', { n: 1 }, 1)).toBe('1 product')
    expect(t('catalogue.count', { n: 45 }, 45)).toBe('45 products')
    expect(t('catalogue.resultsFor', { q: 'wool' })).toBe('Results for “wool”')
  })

  it('follows Russian plural rules, loading the Russian texts on demand', async () => {
    await setLocale('ru')
    const { t } = i18n.global
    const forms = [0, 1, 2, 5, 11, 21, 22, 25, 112].map((n) => t('catalogue.count', { n }, n))
    expect(forms).toEqual(['Нет товаров', '1 товар', '2 товара', '5 товаров', '11 товаров', '21 товар', '22 товара',
      '25 товаров', '112 товаров'])
    expect(document.documentElement.lang).toBe('ru')
    await setLocale('en')
  })

  it('has the same keys in every language', async () => {
    const en = (await import('./locales/en.json')).default
    const ru = (await import('./locales/ru.json')).default
    const keys = (o, p = '') => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]))
    expect(keys(ru).sort()).toEqual(keys(en).sort())
  })

  it('russianPlural: 1, 21 | 2-4, 22-24 | 0, 5-20, 25', () => {
    expect([1, 21, 101].map((n) => russianPlural(n, 3))).toEqual([0, 0, 0])
    expect([2, 3, 4, 22, 34].map((n) => russianPlural(n, 3))).toEqual([1, 1, 1, 1, 1])
    expect([5, 11, 12, 14, 20, 25, 111].map((n) => russianPlural(n, 3))).toEqual([2, 2, 2, 2, 2, 2, 2])
  })
})
