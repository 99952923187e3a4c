import fs from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { ApiProblem } from '@/api/problem'
import { fieldMessage, fieldMessages } from '@/composables/fieldProblems'
import { problemMessage } from '@/composables/problems'
import { setLocale } from '@/i18n'
import { accountMessages, installAccountMessages } from '@/i18n/account'
import { orderMessages } from '@/i18n/orders'

const p = (code, extra = {}) => new ApiProblem({ status: 409, code, detail: `${code}: detail`, body: { code, ...extra }, ...extra })

describe('what the shopper is told', () => {
  it('is the text of the code, with the fields of the problem', () => {
    expect(problemMessage(p('insufficient_stock', { available: 2 }))).toBe('Not enough in stock: only 2 left.')
    expect(problemMessage(p('insufficient_stock', { lines: [] }))).toMatch(/no longer in stock/)
    expect(problemMessage(p('insufficient_stock', { available: 0 }))).toBe('Sorry, this is sold out now.')
    expect(problemMessage(new ApiProblem({ status: 429, code: 'login_throttled', retryAfter: 30 })))
      .toBe('Too many sign-in attempts. Try again in 30 seconds.')
  })

  it("is never the server's own words, for a code the shop does not know either", () => {
    expect(problemMessage(p('brand_new_code'))).toBe('Something went wrong. Please try again.')
    expect(problemMessage(new ApiProblem({ status: 503, code: 'brand_new_unavailable', detail: 'down' }))).toMatch(/cannot be reached/)
    expect(problemMessage(new ApiProblem({ status: 502, code: 'http_502' }))).toMatch(/cannot be reached/)
  })
})

describe('what a field is told', () => {
  installAccountMessages() // the forms that send fields install them (the sign-in, checkout, the account pages)
  const invalid = (errors, codes) => new ApiProblem({ status: 422, code: 'validation_error', errors, error_codes: codes })

  it("is the field's own text for its code, in the shopper's language, never the server's English", async () => {
    const problem = invalid({ json: { email: ['Not a valid email address.'], password: ['This password is too common.'] } },
      { json: { email: ['invalid'], password: ['too_common'] } })
    expect(fieldMessages(problem)).toEqual({ email: 'Enter an email address, like name@example.com.',
      password: 'This password is too common: choose one that is harder to guess.' })
    await setLocale('ru')
    const ru = fieldMessages(problem)
    expect(ru.email).toMatch(/^Введите адрес электронной почты/)
    expect(ru.password).toMatch(/^Этот пароль слишком распространён/)
    await setLocale('en')
  })

  it('follows the path to the field, and a problem of its own', () => {
    const problem = invalid({ json: { shipping: { city: ['Missing data for required field.'], postal_code: ['Not a postal code.'] } } },
      { json: { shipping: { city: ['required'], postal_code: ['invalid'] } } })
    expect(fieldMessages(problem)).toEqual({ 'shipping.city': 'Please fill this in.',
      'shipping.postal_code': 'Enter a postal code: letters, digits, spaces and dashes.' })
    const taken = new ApiProblem({ status: 409, code: 'username_taken', errors: { json: { username: ['This username is already registered.'] } },
      error_codes: { json: { username: ['username_taken'] } } })
    expect(fieldMessages(taken)).toEqual({ username: 'This username is taken.' })
    expect(fieldMessage('new_password', 'too_short')).toBe('Use at least 8 characters.')
  })

  it('falls back to a text of the field, or of any field, when the code is unknown or missing', () => {
    const old = invalid({ json: { phone: ['Not a phone number.'], nickname: ['Whatever the server said.'] } }, null)
    expect(fieldMessages(old)).toEqual({ phone: 'Enter a phone number, like +44 20 7946 0958.',
      nickname: 'This does not look right. Please check it.' })
    expect(fieldMessage('email', 'brand_new_code')).toBe('Enter an email address, like name@example.com.')
  })
})

// -- every code the services can send the storefront has a text in each language ------------------------------

// the repository: the services' source and manifest beside the storefront
const ROOT = path.resolve(import.meta.dirname ?? __dirname, '../../..')

function* pythonSources(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      if (!['tests', 'migrations', '__pycache__'].includes(entry.name)) yield* pythonSources(full)
    } else if (entry.name.endsWith('.py')) yield full
  }
}

/** The services' manifest: each service's kind and the services it calls. */
function manifest() {
  const text = fs.readFileSync(path.join(ROOT, 'services.toml'), 'utf8')
  return [...text.matchAll(/^\[services\.(\w+)\]\n([\s\S]*?)(?=^\[)/gm)].map(([, name, body]) => ({
    name, kind: body.match(/^kind = "(\w+)"/m)?.[1], calls: JSON.parse(body.match(/^calls = (\[.*\])/m)?.[1] ?? '[]'),
  }))
}

/** Every problem `code` in the services' source (and the gateway's): the codes raised, those of the kit's and
 * the gateway's status tables, and the made ones (`f"{service}_unavailable"`) for each value they are made of. */
function serverCodes() {
  const CALL = /\b(?:Problem|field_problem|problem|_unauthorized|_take|__init__)\(\s*(?:\d{3},\s*)?(f?)"([a-z{][a-z0-9_{}]*)"/g
  const TABLE = /^\s*\d{3}:\s*\(?"([a-z][a-z0-9_]*)"/gm
  const ASSIGNED = /\bcode(?:, \w+)? = "([a-z][a-z0-9_]*)"/g
  const called = [...new Set(manifest().filter((s) => s.kind === 'api').flatMap((s) => s.calls))]
  const MADE = { service: called, field: ['username', 'email'] }
  const codes = new Set()
  const sources = [...pythonSources(path.join(ROOT, 'services')), path.join(ROOT, 'gateway', 'nginx.py')]
  for (const file of sources) {
    const text = fs.readFileSync(file, 'utf8')
    for (const [, f, code] of text.matchAll(CALL)) {
      const made = f && code.match(/\{(\w+)\}/)
      if (made) for (const value of MADE[made[1]]) codes.add(code.replace(made[0], value))
      else if (!code.includes('{')) codes.add(code)
    }
    for (const re of [TABLE, ASSIGNED]) for (const [, code] of text.matchAll(re)) codes.add(code)
  }
  return codes
}

/** Codes the storefront never meets, each for its reason: the back office's (its own texts, src/admin), the
 * services' answers to each other (never routed: /internal/, the providers' webhooks), and the crawlers' (the
 * sitemap's files are read by search engines, never by the SPA). */
const NOT_THE_STOREFRONTS = {
  staff: ['staff_only', 'email_mismatch', 'cannot_deactivate_self', 'category_not_empty', 'image_not_found', 'invalid_image',
    'invalid_status_move', 'last_variant', 'sku_taken', 'slug_taken', 'too_many_images', 'user_not_found',
    'variant_not_found', 'version_conflict'],
  internal: ['invalid_service_token', 'reservation_not_found', 'reservation_released', 'payment_mismatch',
    'message_not_found', 'not_ready', 'malformed_event', 'invalid_signature', 'provider_not_configured', 'not_paid',
    'payment_not_found', 'card_payments_disabled', 'provider_unavailable'],
  crawlers: ['sitemap_not_found'],
}

describe('every code the services can send', () => {
  it('is found in their source, the made ones too', () => {
    const codes = serverCodes()
    for (const code of ['insufficient_stock', 'validation_error', 'username_taken', 'products_unavailable', 'malformed_json',
      'token_expired', 'login_throttled', 'service_unavailable', 'not_found']) expect(codes, code).toContain(code)
  })

  it('that the storefront can meet has a text in English and in Russian', async () => {
    const excluded = new Set(Object.values(NOT_THE_STOREFRONTS).flat())
    const wanted = [...serverCodes()].filter((code) => !excluded.has(code)).sort()
    const en = { ...(await import('@/i18n/locales/en.json')).default.problems, ...accountMessages.en.problems,
      ...orderMessages.en.problems }
    const ru = { ...(await import('@/i18n/locales/ru.json')).default.problems, ...accountMessages.ru.problems,
      ...orderMessages.ru.problems }
    expect(wanted.filter((code) => !en[code]), 'English').toEqual([])
    expect(wanted.filter((code) => !ru[code]), 'Russian').toEqual([])
  })

  it("and every field's code has one too", async () => {
    const source = fs.readFileSync(path.join(ROOT, 'services/common/src/shop_common/validation.py'), 'utf8')
    const table = source.match(/FIELD_CODES[^{]*\{([\s\S]*?)\n\}/)[1]
    const codes = [...table.matchAll(/^\s*"(\w+)":/gm)].map((m) => m[1])
    expect(codes).toEqual(expect.arrayContaining(['required', 'invalid', 'too_short', 'too_common']))
    for (const locale of ['en', 'ru']) {
      const texts = accountMessages[locale].fieldProblems
      expect(codes.filter((code) => !texts[code]), locale).toEqual([])
    }
  })
})
