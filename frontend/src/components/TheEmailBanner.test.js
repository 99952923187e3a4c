import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { auth, tokens, users } from '@/api'
import TheEmailBanner from '@/components/TheEmailBanner.vue'
import { useSessionStore } from '@/stores/session'
import { deferred, flush, problem } from '@/test/helpers'
import { mountWith } from '@/test/mount'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    AUTH_CODES: new Set(),
    auth: { resendVerification: vi.fn() },
    users: { profile: vi.fn() },
  }
})

const ada = (over) => ({ id: 7, username: 'ada', email: 'new@example.com', email_verified: false, verified_email: null, ...over })

async function banner(user = ada()) {
  tokens.set({ access: 'a', refresh: 'r' })
  const wrapper = mountWith(TheEmailBanner, { attachTo: document.body })
  useSessionStore().user = user
  await flush()
  return wrapper
}

describe('the unconfirmed email banner', () => {
  let wrapper
  beforeEach(() => sessionStorage.clear())
  afterEach(() => {
    wrapper?.unmount()
    vi.clearAllMocks()
  })

  it('names the email to confirm, and where order emails go meanwhile when that is another address', async () => {
    wrapper = await banner()
    expect(wrapper.text()).toContain('Confirm your email new@example.com')
    expect(wrapper.text()).not.toContain('Until then')
    wrapper.unmount()
    wrapper = await banner(ada({ verified_email: 'old@example.com' }))
    expect(wrapper.text()).toContain('Until then order emails go to old@example.com.')
    expect(wrapper.find('section').attributes('aria-label')).toBe('Your email')
  })

  it('sends the link again and says so in its live region', async () => {
    wrapper = await banner()
    const answer = deferred()
    auth.resendVerification.mockReturnValueOnce(answer.promise)
    await wrapper.find('[data-test=resend-verification]').trigger('click')
    expect(wrapper.find('[data-test=resend-verification]').attributes('disabled')).toBeDefined()
    answer.resolve({ detail: 'A new link is on its way to new@example.com.' })
    await flush()
    const result = wrapper.find('[data-test=email-banner-result]')
    expect(result.attributes('role')).toBe('status')
    expect(result.text()).toBe('Sent: a new link is on its way to new@example.com.')
  })

  it('asks to wait as long as Retry-After says when throttled', async () => {
    wrapper = await banner()
    auth.resendVerification.mockRejectedValueOnce(problem(429, 'verification_throttled', { retryAfter: 42 }))
    await wrapper.find('[data-test=resend-verification]').trigger('click')
    await flush()
    expect(wrapper.find('[data-test=email-banner-result]').text()).toBe('A link was sent a moment ago. You can ask again in 42 seconds.')
  })

  it('reads the profile again when the email turns out to be confirmed (409), which hides the banner', async () => {
    wrapper = await banner()
    auth.resendVerification.mockRejectedValueOnce(problem(409, 'email_already_verified'))
    users.profile.mockResolvedValueOnce(ada({ email_verified: true }))
    await wrapper.find('[data-test=resend-verification]').trigger('click')
    await flush()
    expect(users.profile).toHaveBeenCalledTimes(1)
    expect(useSessionStore().user.email_verified).toBe(true)
    expect(wrapper.find('[data-test=email-banner-result]').text()).toBe('')
  })

  it('stays hidden for this tab’s session once dismissed, until another email waits', async () => {
    wrapper = await banner()
    await wrapper.find('[data-test=email-banner-dismiss]').trigger('click')
    expect(wrapper.find('[data-test=email-banner]').exists()).toBe(false)
    wrapper.unmount()
    wrapper = await banner()
    expect(wrapper.find('[data-test=email-banner]').exists()).toBe(false) // a reload: still hidden
    useSessionStore().user = ada({ email: 'newer@example.com' })
    await flush()
    expect(wrapper.find('[data-test=email-banner]').exists()).toBe(true)
  })
})
