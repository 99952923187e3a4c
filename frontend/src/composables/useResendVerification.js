import { storeToRefs } from 'pinia'
import { ref } from 'vue'

import { auth } from '@/api'
import { problemMessage } from '@/composables/problems'
import { i18n } from '@/i18n'
import { useSessionStore } from '@/stores/session'

/**
 * "Send the link again" for the signed-in account's unconfirmed email (the banner's, and the verify page's
 * when a link has expired). `result` is what to say, in a live region: `{tone, text}` with tone `success`
 * (202: sent), `warning` (429: wait, the Retry-After's seconds) or `danger`; a 409 (confirmed meanwhile)
 * says nothing and reads the profile again, so whatever asks for a confirmation goes away.
 */
export function useResendVerification() {
  const session = useSessionStore()
  const { user } = storeToRefs(session)
  const sending = ref(false)
  const result = ref(null)
  const { t } = i18n.global

  async function resend() {
    if (sending.value) return
    sending.value = true
    result.value = null
    try {
      await auth.resendVerification()
      result.value = { tone: 'success', text: t('account.banner.sent', { email: user.value?.email ?? '' }) }
    } catch (problem) {
      if (problem.code === 'email_already_verified') {
        await session.reloadProfile().catch(() => {})
      } else if (problem.code === 'verification_throttled') {
        result.value = { tone: 'warning', text: t('account.banner.wait', { retry: problem.retryAfter ?? 60 }) }
      } else {
        result.value = { tone: 'danger', text: problemMessage(problem) }
      }
    } finally {
      sending.value = false
    }
  }

  return { sending, result, resend }
}
