import { i18n } from '@/i18n'

/**
 * What to tell the shopper about an ApiProblem: the text for its `code` (problems.<code> in the messages,
 * interpolated with the problem's own fields, such as `available`). The server's `detail` is English written
 * for developers, so it is never shown: a code the shop has no text for is said by its kind (a refusal, the
 * shop out of reach). problems.test.js checks that every code the services send has a text in each language.
 */
export function problemMessage(problem) {
  const { t, te } = i18n.global
  if (!problem) return t('problems.generic')
  // the orders service names the short lines instead of one `available`; none left is "sold out", not "only 0"
  let code = problem.code
  if (code === 'insufficient_stock' && problem.body?.lines) code = 'insufficient_stock_order'
  else if (code === 'insufficient_stock' && problem.body?.available === 0) code = 'insufficient_stock_none'
  const key = `problems.${code}`
  if (te(key) || te(key, 'en')) return t(key, { ...problem.body, retry: problem.retryAfter ?? 60 })
  if (problem.code.startsWith('http_5') || problem.status >= 500) return t('problems.unavailable')
  return t('problems.generic')
}

// fields that follow another's rules, and so its texts
const SAME_RULES = { new_password: 'password' }

/** The name a field's texts go by: the last part of its path (`shipping.city` -> `city`, `lines.0.sku` -> `sku`). */
function fieldName(path) {
  const name = path.split('.').filter((part) => !/^\d+$/.test(part)).at(-1) ?? path
  return SAME_RULES[name] ?? name
}

/**
 * The text of one field's refusal, in the shopper's language: the field's own text for the code
 * (`fieldProblems.byField.<field>.<code>`, "Enter an email like name@example.com"), else the problem's for a
 * code of its own (`problems.username_taken`), else the code's (`fieldProblems.<code>`), else the field's
 * generic one: never the server's English.
 */
export function fieldMessage(path, code) {
  const { t, te } = i18n.global
  const has = (key) => te(key) || te(key, 'en')
  const field = fieldName(path)
  for (const key of [`fieldProblems.byField.${field}.${code}`, `problems.${code}`, `fieldProblems.${code}`]) {
    if (code && has(key)) return t(key)
  }
  return has(`fieldProblems.byField.${field}.invalid`) ? t(`fieldProblems.byField.${field}.invalid`) : t('fieldProblems.invalid')
}

/** Every field a problem names (its `errors`), with the text to show beside it: `{'shipping.city': '…'}`. */
export function fieldMessages(problem) {
  if (!problem?.fieldErrors) return {}
  const codes = problem.fieldCodes
  return Object.fromEntries(Object.keys(problem.fieldErrors).map((path) => [path, fieldMessage(path, codes[path])]))
}
