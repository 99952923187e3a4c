import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import { tokens, users } from '@/api'
import App from '@/App.vue'
import { i18n } from '@/i18n'
import { deferred, flush } from '@/test/helpers'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    AUTH_CODES: new Set(),
    auth: { resendVerification: vi.fn() },
    users: { profile: vi.fn() },
    cart: { get: vi.fn(() => new Promise(() => {})) },
    catalogue: { categories: vi.fn(async () => []) },
  }
})

const ada = (over) => ({ id: 7, username: 'ada', email: 'ada@example.com', email_verified: true, ...over })

async function app() {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: { template: '<h1>page</h1>' } }] })
  await router.push('/')
  const pinia = createPinia()
  setActivePinia(pinia)
  return mount(App, {
    global: { plugins: [pinia, i18n, router], stubs: { TheHeader: true, TheFooter: true, TheToasts: true } },
  })
}

const held = (wrapper) => wrapper.find('main').classes().includes('main--holding')

// The first paint of a returning shopper's page waits for the profile (which says whether the banner asking
// to confirm the email goes above it), so that nothing they saw moves when it comes (issue 19: layout shift).
describe('the first paint', () => {
  let wrapper
  beforeEach(() => tokens.clear())
  afterEach(() => {
    wrapper?.unmount()
    vi.clearAllMocks()
  })

  it('is never held for a guest', async () => {
    wrapper = await app()
    await flush()
    expect(held(wrapper)).toBe(false)
    expect(users.profile).not.toHaveBeenCalled()
  })

  it('waits for a returning shopper\'s profile, and then shows the page without a banner', async () => {
    tokens.set({ access: 'a', refresh: 'r' })
    const profile = deferred()
    users.profile.mockReturnValueOnce(profile.promise)
    wrapper = await app()
    await flush()
    expect(held(wrapper)).toBe(true)
    expect(wrapper.find('main h1').text()).toBe('page') // laid out all the same, its data on the way
    profile.resolve(ada())
    await vi.waitFor(() => expect(held(wrapper)).toBe(false))
    expect(wrapper.find('[data-test=email-banner]').exists()).toBe(false)
  })

  it('shows the page and the banner of an unconfirmed email together', async () => {
    tokens.set({ access: 'a', refresh: 'r' })
    users.profile.mockResolvedValueOnce(ada({ email_verified: false }))
    wrapper = await app()
    await vi.waitFor(() => expect(held(wrapper)).toBe(false))
    expect(wrapper.text()).toContain('Confirm your email ada@example.com')
  })

  it('is not held for ever when the profile cannot be read', async () => {
    tokens.set({ access: 'a', refresh: 'r' })
    users.profile.mockRejectedValueOnce(new Error('users is away'))
    wrapper = await app()
    await vi.waitFor(() => expect(held(wrapper)).toBe(false))
  })
})
