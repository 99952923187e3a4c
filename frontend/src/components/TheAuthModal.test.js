import { afterEach, describe, expect, it, vi } from 'vitest'

import { auth, tokens, users } from '@/api'
import TheAuthModal from '@/components/TheAuthModal.vue'
import { useUiStore } from '@/stores/ui'
import { deferred, flush, problem } from '@/test/helpers'
import { mountWith } from '@/test/mount'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    AUTH_CODES: new Set(),
    auth: { login: vi.fn(), register: vi.fn(), requestPasswordReset: vi.fn() },
    users: { profile: vi.fn() },
  }
})

const $ = (selector) => document.querySelector(selector)
const input = (name) => $(`[data-test=auth-form] input[name=${name}]`)

async function openModal(mode = 'signin') {
  const wrapper = mountWith(TheAuthModal, { attachTo: document.body })
  useUiStore().openAuth(mode)
  await flush()
  return wrapper
}

async function type(name, value) {
  const el = input(name)
  el.value = value
  el.dispatchEvent(new Event('input'))
  await flush()
}

async function submit() {
  $('[data-test=auth-form]').dispatchEvent(new Event('submit'))
  await flush()
}

describe('the sign-in modal', () => {
  let wrapper
  afterEach(() => {
    wrapper?.unmount()
    tokens.clear()
    vi.clearAllMocks()
  })

  it('opens the reset step from “Forgot password?”, the email typed to sign in carried over and focused', async () => {
    wrapper = await openModal()
    await type('username', 'ada@example.com')
    $('[data-test=to-forgot]').click()
    await flush()
    expect($('.modal__title').textContent).toBe('Choose a new password')
    expect(input('email').value).toBe('ada@example.com')
    expect(document.activeElement).toBe(input('email'))
    expect(input('password')).toBeNull()
  })

  it('says what the answer says whatever the email, in a live region there before it', async () => {
    wrapper = await openModal()
    $('[data-test=to-forgot]').click()
    await flush()
    const region = $('[data-test=forgot-sent]')
    expect(region.getAttribute('role')).toBe('status')
    expect(region.textContent.trim()).toBe('')
    await submit()
    expect(auth.requestPasswordReset).not.toHaveBeenCalled()
    expect($('[data-test=field-error]').textContent).toBe('Please fill this in.')

    await type('email', ' someone@example.com ')
    const answer = deferred()
    auth.requestPasswordReset.mockReturnValueOnce(answer.promise)
    await submit()
    expect($('[data-test=auth-submit]').disabled).toBe(true)
    answer.resolve({ detail: 'If an account has this email, a link to choose a new password is on its way.' })
    await flush()
    expect(auth.requestPasswordReset).toHaveBeenCalledWith('someone@example.com')
    expect($('[data-test=forgot-sent]').textContent).toContain('If an account has this email, a link to choose a new password is on its way.')
  })

  it('says when to try again when throttled, and goes back to sign in with focus on its first field', async () => {
    wrapper = await openModal('forgot')
    await type('email', 'ada@example.com')
    auth.requestPasswordReset.mockRejectedValueOnce(problem(429, 'password_reset_throttled', { retryAfter: 30 }))
    await submit()
    expect($('[data-test=form-error]').textContent).toBe('Too many links asked for. Try again in 30 seconds.')
    $('[data-test=to-signin]').click()
    await flush()
    expect($('.modal__title').textContent).toBe('Sign in')
    expect(document.activeElement).toBe(input('username'))
    expect($('[data-test=form-error]')).toBeNull()
  })

  it('registers in the language the shop is shown in', async () => {
    wrapper = await openModal('register')
    await type('username', 'ada')
    await type('email', 'ada@example.com')
    await type('password', 'correct horse battery')
    auth.register.mockResolvedValueOnce({ id: 7 })
    auth.login.mockResolvedValueOnce({ access: 'a', refresh: 'r' })
    users.profile.mockResolvedValueOnce({ id: 7, username: 'ada' })
    await submit()
    await flush()
    expect(auth.register).toHaveBeenCalledWith(expect.objectContaining({ username: 'ada', language: 'en' }))
  })
})
