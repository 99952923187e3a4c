import { afterEach, describe, expect, it, vi } from 'vitest'

import { auth, tokens, users } from '@/api'
import { useSessionStore } from '@/stores/session'
import { useUiStore } from '@/stores/ui'
import { deferred, flush, problem } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'
import VerifyEmailView from '@/views/VerifyEmailView.vue'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    AUTH_CODES: new Set(),
    auth: { verifyEmail: vi.fn(), resendVerification: vi.fn() },
    users: { profile: vi.fn() },
  }
})

const routes = [{ path: '/verify-email', name: 'verify-email' }, { path: '/profile', name: 'profile' }]
const ada = (over) => ({ id: 7, username: 'ada', email: 'ada@example.com', email_verified: false, ...over })

async function open({ signedIn = false } = {}) {
  if (signedIn) tokens.set({ access: 'a', refresh: 'r' })
  const mounted = await mountAdmin(VerifyEmailView, { path: '/verify-email#token=tok-9', routes, attachTo: document.body })
  if (signedIn) useSessionStore().user = ada()
  await flush()
  return mounted
}

describe('the email confirmation page', () => {
  let wrapper
  afterEach(() => {
    wrapper?.unmount()
    tokens.clear()
    vi.clearAllMocks()
  })

  it('sends the link’s token at once, takes it out of the address, and reads the profile again', async () => {
    const answer = deferred()
    auth.verifyEmail.mockReturnValueOnce(answer.promise)
    users.profile.mockResolvedValueOnce(ada({ email_verified: true }))
    let router
    ;({ wrapper, router } = await open({ signedIn: true }))
    expect(auth.verifyEmail).toHaveBeenCalledWith('tok-9')
    expect(router.currentRoute.value.fullPath).toBe('/verify-email')
    expect(wrapper.text()).toContain('Confirming your email…')
    answer.resolve(undefined)
    await flush()
    expect(wrapper.find('[data-test=link-card-title]').text()).toBe('Your email is confirmed')
    expect(useSessionStore().user.email_verified).toBe(true)
  })

  it('confirms for a guest too, reading no profile', async () => {
    auth.verifyEmail.mockResolvedValueOnce(undefined)
    ;({ wrapper } = await open())
    expect(wrapper.find('[data-test=verify-done]').exists()).toBe(true)
    expect(users.profile).not.toHaveBeenCalled()
  })

  it('offers a signed-in shopper a new link when this one is spent', async () => {
    auth.verifyEmail.mockRejectedValueOnce(problem(400, 'invalid_token'))
    ;({ wrapper } = await open({ signedIn: true }))
    expect(wrapper.find('[data-test=link-card-title]').text()).toBe('This link has expired')
    auth.resendVerification.mockResolvedValueOnce({ detail: 'sent' })
    await wrapper.find('[data-test=verify-resend]').trigger('click')
    await flush()
    expect(wrapper.find('[data-test=verify-resend-result]').text()).toBe('Sent: a new link is on its way to ada@example.com.')
  })

  it('asks a guest with a spent link to sign in', async () => {
    auth.verifyEmail.mockRejectedValueOnce(problem(400, 'invalid_token'))
    ;({ wrapper } = await open())
    expect(wrapper.find('[data-test=verify-invalid]').text()).toContain('Sign in to ask for a new one.')
    await wrapper.find('.link-card__actions button').trigger('click')
    expect(useUiStore().auth?.mode).toBe('signin')
  })

  it('lets the shopper try again when the shop could not be reached', async () => {
    auth.verifyEmail.mockRejectedValueOnce(problem(0, 'network_error')).mockResolvedValueOnce(undefined)
    ;({ wrapper } = await open())
    expect(wrapper.find('[data-test=verify-failed]').text()).toContain('No connection to the shop')
    await wrapper.find('.link-card__actions button').trigger('click')
    await flush()
    expect(auth.verifyEmail).toHaveBeenCalledTimes(2)
    expect(wrapper.find('[data-test=verify-done]').exists()).toBe(true)
  })
})
