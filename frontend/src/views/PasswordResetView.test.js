import { afterEach, describe, expect, it, vi } from 'vitest'

import { auth, tokens, users } from '@/api'
import { useSessionStore } from '@/stores/session'
import { useUiStore } from '@/stores/ui'
import { deferred, flush, problem } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'
import PasswordResetView from '@/views/PasswordResetView.vue'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    AUTH_CODES: new Set(['token_revoked']),
    auth: { confirmPasswordReset: vi.fn() },
    users: { profile: vi.fn() },
  }
})

const routes = [{ path: '/password-reset', name: 'password-reset' }]

async function open(path = '/password-reset#token=tok-123') {
  const mounted = await mountAdmin(PasswordResetView, { path, routes, attachTo: document.body })
  await flush()
  return mounted
}

async function choose(wrapper, password) {
  await wrapper.find('input[name=password]').setValue(password)
  await wrapper.find('[data-test=reset-form]').trigger('submit')
  await flush()
}

describe('the password reset page', () => {
  let wrapper
  afterEach(() => {
    wrapper?.unmount()
    tokens.clear()
    vi.clearAllMocks()
  })

  it('takes the token out of the address bar, and sends it with the new password', async () => {
    let router
    ;({ wrapper, router } = await open())
    expect(router.currentRoute.value.fullPath).toBe('/password-reset')
    expect(wrapper.find('input[name=password]').attributes('autocomplete')).toBe('new-password')
    expect(wrapper.text()).toContain('At least 8 characters; not a common one.') // the register form's rules
    const answer = deferred()
    auth.confirmPasswordReset.mockReturnValueOnce(answer.promise)
    await choose(wrapper, 'a brand new secret')
    expect(auth.confirmPasswordReset).toHaveBeenCalledWith('tok-123', 'a brand new secret')
    expect(wrapper.find('[data-test=reset-submit]').attributes('disabled')).toBeDefined()
    answer.resolve(undefined)
    await flush()
    expect(wrapper.find('[data-test=link-card-title]').text()).toBe('Your password is changed')
    expect(document.activeElement).toBe(wrapper.find('[data-test=link-card-title]').element)
    expect(useUiStore().auth).toEqual({ mode: 'signin', reason: null }) // the sign-in modal opens
  })

  it('finds out that this tab’s session ended with the reset before offering to sign in', async () => {
    tokens.set({ access: 'a', refresh: 'r' })
    users.profile.mockRejectedValueOnce(problem(401, 'token_revoked'))
    ;({ wrapper } = await open())
    auth.confirmPasswordReset.mockResolvedValueOnce(undefined)
    await choose(wrapper, 'a brand new secret')
    await flush()
    expect(useSessionStore().signedIn).toBe(false)
    expect(useUiStore().auth?.mode).toBe('signin')
    expect(wrapper.find('[data-test=reset-sign-in]').exists()).toBe(true)
  })

  it('says a spent or expired link is, and offers a new one', async () => {
    ;({ wrapper } = await open())
    auth.confirmPasswordReset.mockRejectedValueOnce(problem(400, 'invalid_token'))
    await choose(wrapper, 'a brand new secret')
    expect(wrapper.find('[data-test=link-card-title]').text()).toBe('This link has expired')
    expect(wrapper.find('[data-test=reset-form]').exists()).toBe(false)
    await wrapper.find('[data-test=reset-ask-again]').trigger('click')
    expect(useUiStore().auth?.mode).toBe('forgot')
  })

  it('says what is wrong with a weak password at its field, and keeps the form', async () => {
    ;({ wrapper } = await open())
    auth.confirmPasswordReset.mockRejectedValueOnce(problem(422, 'validation_error', {
      errors: { json: { password: ['This password is too common.'] } }, error_codes: { json: { password: ['too_common'] } } }))
    await choose(wrapper, 'password1')
    const input = wrapper.find('input[name=password]')
    expect(input.attributes('aria-invalid')).toBe('true')
    expect(wrapper.find('[data-test=field-error]').text()).toBe('This password is too common: choose one that is harder to guess.')
    await choose(wrapper, '')
    expect(wrapper.find('[data-test=field-error]').text()).toBe('Please fill this in.')
    expect(auth.confirmPasswordReset).toHaveBeenCalledTimes(1)
  })

  it('without a token in the address, says the page opens from the email', async () => {
    ;({ wrapper } = await open('/password-reset'))
    expect(wrapper.find('[data-test=reset-form]').exists()).toBe(false)
    expect(wrapper.find('[data-test=reset-invalid]').text()).toContain('opens from the link in our email')
  })
})
