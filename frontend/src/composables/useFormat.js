import { useI18n } from 'vue-i18n'

import { i18n } from '@/i18n'

const cache = new Map()

function formatter(kind, locale, options) {
  const key = `${kind}|${locale}|${JSON.stringify(options)}`
  if (!cache.has(key)) {
    cache.set(key, kind === 'number' ? new Intl.NumberFormat(locale, options) : new Intl.DateTimeFormat(locale, options))
  }
  return cache.get(key)
}

/** A price from the API (a decimal string and an ISO 4217 code) formatted for `locale`. */
export function formatMoney(amount, currency, locale = i18n.global.locale.value) {
  const value = Number(amount)
  if (!Number.isFinite(value) || !currency) return ''
  return formatter('number', locale, { style: 'currency', currency }).format(value)
}

/** A moment from the API (ISO 8601) for `locale`: the day and time, or the day alone with `time: false`. */
export function formatDate(iso, locale = i18n.global.locale.value, { time = true } = {}) {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  return formatter('date', locale, time ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'long' }).format(date)
}

/** Formatters that follow the current language (they re-render when it changes). */
export function useFormat() {
  const { locale } = useI18n()
  return {
    money: (amount, currency) => formatMoney(amount, currency, locale.value),
    date: (iso) => formatDate(iso, locale.value),
    day: (iso) => formatDate(iso, locale.value, { time: false }),
  }
}
