import { watchEffect } from 'vue'
import { useI18n } from 'vue-i18n'

/** The window's title for a back office page: `getter()` (a text, or '' while it is unknown) · Back office. */
export function useAdminTitle(getter) {
  const { t } = useI18n()
  watchEffect(() => {
    const title = getter()
    document.title = [title, t('admin.components.title'), 'Shop'].filter(Boolean).join(' · ')
  })
}
