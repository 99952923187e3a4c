import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'

import { auth, tokens, users } from '@/api'
import { loadDraft, saveDraft } from '@/composables/checkoutDraft'
import { setLocale } from '@/i18n'
import { useSessionStore } from '@/stores/session'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    AUTH_CODES: new Set(['token_expired']),
    auth: { register: vi.fn(), login: vi.fn(), logout: vi.fn() },
    users: { profile: vi.fn(), updateProfile: vi.fn(), changePassword: vi.fn() },
  }
})

const ada = (over) => ({ id: 7, username: 'ada', email: 'ada@example.com', language: 'en', ...over })

describe('the session', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    tokens.clear()
    vi.clearAllMocks()
    sessionStorage.clear()
  })

  it('registers with the language the shop is shown in, then signs in', async () => {
    auth.login.mockResolvedValue({ access: 'a', refresh: 'r' })
    users.profile.mockResolvedValue(ada({ language: 'ru' }))
    await setLocale('ru')
    try {
      await useSessionStore().register({ username: 'ada', email: 'ada@example.com', password: 'correct horse' })
    } finally {
      await setLocale('en')
    }
    expect(auth.register).toHaveBeenCalledWith({ username: 'ada', email: 'ada@example.com', password: 'correct horse', language: 'ru' })
    expect(tokens.get()).toEqual({ access: 'a', refresh: 'r' })
  })

  it('keeps the new pair a password change answers', async () => {
    tokens.set({ access: 'old', refresh: 'old-r' })
    users.changePassword.mockResolvedValue({ access: 'new', refresh: 'new-r', token_type: 'Bearer', expires_in: 900 })
    await useSessionStore().changePassword('old secret', 'new secret')
    expect(users.changePassword).toHaveBeenCalledWith('old secret', 'new secret')
    expect(tokens.get()).toEqual({ access: 'new', refresh: 'new-r' })
  })

  it('sets the emails’ language when the shop’s is switched while signed in, and only then', async () => {
    const session = useSessionStore()
    await session.followLanguage('ru')
    expect(users.updateProfile).not.toHaveBeenCalled() // a guest

    tokens.set({ access: 'a', refresh: 'r' })
    session.user = ada()
    users.updateProfile.mockResolvedValue(ada({ language: 'ru' }))
    await session.followLanguage('ru')
    expect(users.updateProfile).toHaveBeenCalledWith({ language: 'ru' })
    expect(session.user.language).toBe('ru')
    await session.followLanguage('ru')
    expect(users.updateProfile).toHaveBeenCalledTimes(1) // already so

    users.updateProfile.mockRejectedValueOnce(new Error('down'))
    await expect(session.followLanguage('en')).resolves.toBeUndefined()
    expect(session.user.language).toBe('ru')
  })

  it('forgets what was typed at checkout on signing out, but not when the session merely expired', async () => {
    const session = useSessionStore()
    tokens.set({ access: 'a', refresh: 'r' })
    saveDraft(7, { comment: 'ring twice' })
    tokens.clear('expired')
    expect(loadDraft(7)).toEqual({ comment: 'ring twice' })

    tokens.set({ access: 'a', refresh: 'r' })
    await session.signOut()
    expect(auth.logout).toHaveBeenCalledWith('r')
    expect(loadDraft(7)).toBeNull()
  })
})
