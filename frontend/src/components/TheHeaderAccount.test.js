import { describe, expect, it, vi } from 'vitest'

import { tokens } from '@/api'
import TheHeaderAccount from '@/components/TheHeaderAccount.vue'
import { useSessionStore } from '@/stores/session'
import { flush } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return { tokens: createTokenStore(memoryStorage(), null), AUTH_CODES: new Set(), auth: {}, cart: {}, users: {} }
})

const routes = [{ path: '/orders', name: 'orders' }, { path: '/profile', name: 'profile' }]

async function menuOf(user) {
  tokens.set({ access: 'a', refresh: 'r' })
  const { wrapper } = await mountAdmin(TheHeaderAccount, { path: '/', routes })
  useSessionStore().user = user
  await flush()
  return wrapper
}

describe('the account menu', () => {
  it('offers staff the back office', async () => {
    const wrapper = await menuOf({ id: 1, username: 'owner', is_staff: true })
    expect(wrapper.find('[data-test=nav-back-office]').attributes('href')).toBe('/admin')
  })

  it('offers a shopper nothing of it', async () => {
    for (const user of [{ id: 2, username: 'ada', is_staff: false }, { id: 3, username: 'bob' }]) {
      const wrapper = await menuOf(user)
      expect(wrapper.find('[data-test=nav-orders]').exists()).toBe(true)
      expect(wrapper.find('[data-test=nav-back-office]').exists()).toBe(false)
    }
  })
})
