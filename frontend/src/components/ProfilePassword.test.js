import { afterEach, describe, expect, it, vi } from 'vitest'

import { tokens, users } from '@/api'
import ProfilePassword from '@/components/ProfilePassword.vue'
import { flush, problem } from '@/test/helpers'
import { mountWith } from '@/test/mount'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return { tokens: createTokenStore(memoryStorage(), null), AUTH_CODES: new Set(), auth: {}, users: { changePassword: vi.fn() } }
})

async function change(wrapper, current, next) {
  await wrapper.find('input[name=current_password]').setValue(current)
  await wrapper.find('input[name=new_password]').setValue(next)
  await wrapper.find('[data-test=password-form]').trigger('submit')
  await flush()
}
const errorOf = (wrapper, name) => wrapper.find(`[data-field=${name}] [data-test=field-error]`)

describe('the profile’s password change', () => {
  afterEach(() => {
    tokens.clear()
    vi.clearAllMocks()
  })

  it('keeps the new token pair, empties the fields and says so', async () => {
    tokens.set({ access: 'old', refresh: 'old-r' })
    const wrapper = mountWith(ProfilePassword)
    users.changePassword.mockResolvedValueOnce({ access: 'new', refresh: 'new-r', token_type: 'Bearer', expires_in: 900 })
    await change(wrapper, 'old secret', 'a new long secret')
    expect(users.changePassword).toHaveBeenCalledWith('old secret', 'a new long secret')
    expect(tokens.get()).toEqual({ access: 'new', refresh: 'new-r' })
    expect(wrapper.find('input[name=current_password]').element.value).toBe('')
    expect(wrapper.find('[data-test=password-done]').attributes('role')).toBe('status')
    expect(wrapper.find('[data-test=password-done]').text()).toBe('Your password is changed. Other devices are signed out.')
  })

  it('says at its field that the current password is wrong, and that the new one is weak', async () => {
    const wrapper = mountWith(ProfilePassword)
    users.changePassword.mockRejectedValueOnce(problem(400, 'wrong_password', {
      errors: { json: { current_password: ['The current password is not right.'] } },
      error_codes: { json: { current_password: ['wrong_password'] } } }))
    await change(wrapper, 'guess', 'a new long secret')
    expect(errorOf(wrapper, 'current_password').text()).toBe('That is not your current password.')
    expect(wrapper.find('input[name=current_password]').attributes('aria-invalid')).toBe('true')

    users.changePassword.mockRejectedValueOnce(problem(400, 'wrong_password'))
    await change(wrapper, 'guess', 'a new long secret')
    expect(errorOf(wrapper, 'current_password').text()).toBe('That is not your current password.')

    users.changePassword.mockRejectedValueOnce(problem(422, 'validation_error', {
      errors: { json: { new_password: ['The new password must differ from the current one.'] } },
      error_codes: { json: { new_password: ['same_password'] } } }))
    await change(wrapper, 'old secret', 'old secret')
    expect(errorOf(wrapper, 'current_password').exists()).toBe(false)
    expect(errorOf(wrapper, 'new_password').text()).toBe('Choose a password other than your current one.')
    expect(wrapper.find('[data-test=password-done]').text()).toBe('')
  })

  it('says when to try again when throttled like a sign-in, and asks for both fields', async () => {
    const wrapper = mountWith(ProfilePassword)
    users.changePassword.mockRejectedValueOnce(problem(429, 'login_throttled', { retryAfter: 60 }))
    await change(wrapper, 'old secret', 'a new long secret')
    expect(wrapper.find('[data-test=form-error]').text()).toBe('Too many sign-in attempts. Try again in 60 seconds.')
    await change(wrapper, '', '')
    expect(users.changePassword).toHaveBeenCalledTimes(1)
    expect(errorOf(wrapper, 'new_password').text()).toBe('Please fill this in.')
  })
})
