import { describe, expect, it } from 'vitest'

import { i18n, setLocale } from '@/i18n'
import { problemMessage } from '@/composables/problems'
import { problem } from '@/test/helpers'

import { accountMessages, installAccountMessages } from './index'

const keys = (o, p = '') => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]))

describe('the account pages’ texts', () => {
  it('have the same keys in English and Russian, none of them the storefront’s own', async () => {
    expect(keys(accountMessages.ru).sort()).toEqual(keys(accountMessages.en).sort())
    const storefront = new Set(keys((await import('../locales/en.json')).default))
    expect(keys(accountMessages.en).filter((k) => storefront.has(k))).toEqual([])
  })

  it('join the storefront’s problems, and survive its Russian texts loading after them', async () => {
    installAccountMessages()
    expect(problemMessage(problem(400, 'wrong_password'))).toBe('That is not your current password.')
    await setLocale('ru')
    const { t } = i18n.global
    expect(t('account.addresses.title')).toBe('Адреса')
    expect(problemMessage(problem(429, 'verification_throttled', { retryAfter: 40 }))).toContain('через 40 с')
    expect(t('problems.cart_full')).toMatch(/^Корзина заполнена/) // the storefront's own
    await setLocale('en')
  })
})
