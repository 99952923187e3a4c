import { i18n } from '@/i18n'

/**
 * What to tell the shopper beside each field a refusal names (its `errors`, with their codes): apart from
 * problems.js because only the forms that send fields need it (the sign-in, checkout, the account pages, all
 * loaded lazily), never the catalogue's first bundle. The texts are the account bundle's (`fieldProblems.…`).
 */

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
