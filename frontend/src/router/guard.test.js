import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'

import { tokens, users } from '@/api'
import { createAppRouter } from '@/router'
import { useSessionStore } from '@/stores/session'
import { useUiStore } from '@/stores/ui'
import { problem } from '@/test/helpers'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    AUTH_CODES: new Set(['token_expired']),
    auth: {},
    cart: {},
    users: { profile: vi.fn() },
  }
})

const profile = (over) => ({ id: 7, username: 'ada', email: 'ada@example.com', first_name: '', last_name: '', ...over })

async function open(path) {
  const router = createAppRouter(createMemoryHistory())
  await router.push(path)
  return router
}

describe('the back office guard', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    tokens.clear()
    users.profile.mockReset()
  })

  it('asks a guest to sign in, and goes on to the page once they have', async () => {
    const router = await open('/admin/orders?status=pending')
    expect(router.currentRoute.value.name).toBe('catalogue')
    const ui = useUiStore()
    expect(ui.auth).toEqual({ mode: 'signin', reason: 'account' })

    tokens.set({ access: 'a', refresh: 'r' })
    users.profile.mockResolvedValue(profile({ is_staff: true }))
    await ui.authSucceeded()
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/admin/orders?status=pending'))
    expect(router.currentRoute.value.name).toBe('admin-orders')
  })

  it('shows a signed-in shopper the 403 page at the address they asked for', async () => {
    tokens.set({ access: 'a', refresh: 'r' })
    users.profile.mockResolvedValue(profile({ is_staff: false }))
    const router = await open('/admin/customers/3')
    expect(router.currentRoute.value.name).toBe('forbidden')
    expect(router.currentRoute.value.fullPath).toBe('/admin/customers/3')
    expect(router.currentRoute.value.meta.admin).toBeUndefined() // the storefront's chrome, with its way back
  })

  it('lets staff in, reading the profile first when the app has not yet', async () => {
    tokens.set({ access: 'a', refresh: 'r' })
    users.profile.mockResolvedValue(profile({ is_staff: true }))
    const router = await open('/admin/')
    expect(router.currentRoute.value.name).toBe('admin-dashboard')
    expect(users.profile).toHaveBeenCalledTimes(1)
    await router.push('/admin/orders/12')
    expect(router.currentRoute.value.name).toBe('admin-order')
    expect(users.profile).toHaveBeenCalledTimes(1) // known now: not asked again
  })

  it('shares one profile read between the guard and the app restoring the session', async () => {
    tokens.set({ access: 'a', refresh: 'r' })
    users.profile.mockResolvedValue(profile({ is_staff: true }))
    const session = useSessionStore()
    const restoring = session.restore()
    const router = await open('/admin/')
    await restoring
    expect(users.profile).toHaveBeenCalledTimes(1)
    expect(router.currentRoute.value.name).toBe('admin-dashboard')
  })

  it('sends to the shop when the session turns out to be over', async () => {
    tokens.set({ access: 'a', refresh: 'r' })
    users.profile.mockImplementation(async () => {
      tokens.clear('expired')
      throw problem(401, 'token_expired')
    })
    const router = await open('/admin/')
    expect(router.currentRoute.value.name).toBe('catalogue')
  })

  it('keeps unknown storefront addresses the 404 page, and unknown back office ones its own', async () => {
    let router = await open('/no/such/page')
    expect(router.currentRoute.value.name).toBe('not-found')
    tokens.set({ access: 'a', refresh: 'r' })
    users.profile.mockResolvedValue(profile({ is_staff: true }))
    router = await open('/admin/nothing-here')
    expect(router.currentRoute.value.name).toBe('admin-not-found')
  })
})
