import { i18n } from '@/i18n'

/**
 * The back office's texts: each folder's messages.js (`{en: {...}, ru: {...}}`) goes under `admin.<folder>`,
 * so `customers/messages.js` is `t('admin.customers.…')`. They are merged into vue-i18n when the back office
 * loads (its layout calls installAdminMessages), never in the storefront's bundle.
 */
export const adminMessageModules = Object.fromEntries(
  Object.entries(import.meta.glob('./*/messages.js', { eager: true }))
    .map(([path, module]) => [path.split('/')[1], module.default]),
)

let installed = false

export function installAdminMessages() {
  if (installed) return
  installed = true
  for (const locale of ['en', 'ru']) {
    const admin = {}
    for (const [folder, messages] of Object.entries(adminMessageModules)) admin[folder] = messages[locale] ?? {}
    i18n.global.mergeLocaleMessage(locale, { admin })
  }
}
