import { describe, expect, it, vi } from 'vitest'

import { users } from '@/api'
import { useSessionStore } from '@/stores/session'
import { deferred, flush } from '@/test/helpers'
import { mountWith } from '@/test/mount'
import ProfileView from '@/views/ProfileView.vue'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    AUTH_CODES: new Set(),
    cart: {},
    auth: {},
    users: { profile: vi.fn(), updateProfile: vi.fn() },
    addresses: { list: vi.fn(async () => []) },
  }
})

const ada = (over) => ({
  username: 'ada', email: 'ada@example.com', first_name: '', last_name: '', phone: '', date_joined: '2026-01-05T10:00:00Z',
  ...over,
})

/** The profile page of a signed-in shopper whose profile the page asks again, the answer held by the test. */
function mountProfile() {
  const answer = deferred()
  users.profile.mockReturnValueOnce(answer.promise)
  const wrapper = mountWith(ProfileView)
  const session = useSessionStore()
  session.user = ada()
  return { wrapper, session, answer }
}

const field = (wrapper, name) => wrapper.find(`input[name=${name}]`)

describe('ProfileView', () => {
  it('keeps what the shopper typed when the profile it asked for comes back late', async () => {
    const { wrapper, answer } = mountProfile()
    await flush()
    expect(field(wrapper, 'email').element.value).toBe('ada@example.com')
    await field(wrapper, 'first_name').setValue('Grace')
    answer.resolve(ada({ phone: '+1 202 555 0143' }))
    await flush()
    expect(field(wrapper, 'first_name').element.value).toBe('Grace') // typed, kept
    expect(field(wrapper, 'phone').element.value).toBe('+1 202 555 0143') // untouched, refreshed
  })

  it('shows the saved profile, and Reset puts back what is stored', async () => {
    const { wrapper, session, answer } = mountProfile()
    answer.resolve(ada())
    await flush()
    await field(wrapper, 'first_name').setValue('Grace')
    await field(wrapper, 'last_name').setValue('Hopper')
    users.updateProfile.mockResolvedValueOnce(ada({ first_name: 'Grace', last_name: 'Hopper' }))
    await wrapper.find('[data-test=profile-form]').trigger('submit')
    await flush()
    expect(users.updateProfile).toHaveBeenCalledWith({ first_name: 'Grace', last_name: 'Hopper' })
    expect(wrapper.find('[data-test=profile-name]').text()).toBe('Grace Hopper')

    await field(wrapper, 'last_name').setValue('Lovelace')
    await wrapper.find('button[type=button]').trigger('click')
    expect(field(wrapper, 'last_name').element.value).toBe('Hopper')
    expect(session.user.last_name).toBe('Hopper')
  })

  it('empties the form when the shopper is signed out', async () => {
    const { wrapper, session, answer } = mountProfile()
    answer.resolve(ada({ first_name: 'Ada' }))
    await flush()
    session.user = null
    await flush()
    session.user = ada({ username: 'bob', email: 'bob@example.com' })
    await flush()
    expect(field(wrapper, 'first_name').element.value).toBe('')
    expect(field(wrapper, 'email').element.value).toBe('bob@example.com')
  })

  it('sets the language of the emails with the other details, and shows whether the email is confirmed', async () => {
    const { wrapper, answer } = mountProfile()
    answer.resolve(ada({ language: 'en', email_verified: false, email: 'new@example.com', verified_email: 'ada@example.com' }))
    await flush()
    expect(wrapper.find('[data-test=email-state]').text()).toBe('Not confirmed yet')
    expect(wrapper.text()).toContain('Order emails go to ada@example.com until you confirm the new address.')
    const select = wrapper.find('[data-test=profile-language]')
    expect(wrapper.find('label[for=profile-language]').text()).toBe('Language of emails')
    expect(select.element.value).toBe('en')
    await select.setValue('ru')
    users.updateProfile.mockResolvedValueOnce(ada({ language: 'ru', email_verified: true }))
    await wrapper.find('[data-test=profile-form]').trigger('submit')
    await flush()
    expect(users.updateProfile).toHaveBeenCalledWith({ language: 'ru' })
    expect(wrapper.find('[data-test=email-state]').text()).toBe('Confirmed')
  })
})
