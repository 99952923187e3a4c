import { i18n } from '@/i18n'

import en from './en.json'
import ru from './ru.json'

/**
 * The texts of the account pages and steps (resetting and changing the password, confirming the email, the
 * address book, the saved addresses of checkout), the problems only they meet, the refusals of form fields
 * (`fieldProblems.…`: every form that sends fields is one of these, or the sign-in, which installs them too)
 * and the rarer problems (a request the gateway would not take): `account.…`, `problems.…`, `fieldProblems.…`. Every component that shows them is loaded lazily, so they are merged into vue-i18n when the
 * first of those loads (installAccountMessages), never in the catalogue's first bundle (like the back
 * office's texts, src/admin/messages.js).
 */
export const accountMessages = { en, ru }

let installed = false

export function installAccountMessages() {
  if (installed) return
  installed = true
  for (const [locale, messages] of Object.entries(accountMessages)) i18n.global.mergeLocaleMessage(locale, messages)
}
