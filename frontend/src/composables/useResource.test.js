import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, ref } from 'vue'

import { tokens } from '@/api'
import { useResource } from '@/composables/useResource'
import { useSessionStore } from '@/stores/session'
import { useUiStore } from '@/stores/ui'
import { flush, problem } from '@/test/helpers'

describe('a page’s data when the session ends elsewhere', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    tokens.set({ access: 'a1', refresh: 'r1' })
  })

  it('opens the sign-in once, and reads again once signed in', async () => {
    const session = useSessionStore()
    const ui = useUiStore()
    // what the API client does when the refresh is refused: the tokens go, the call fails with its 401
    const ended = async () => {
      tokens.clear('expired')
      throw problem(401, 'token_revoked')
    }
    const fetcher = vi.fn().mockImplementationOnce(ended).mockImplementationOnce(ended).mockResolvedValue(['order'])
    const scope = effectScope()
    const orders = scope.run(() => useResource(fetcher, ref(1)))
    const profile = scope.run(() => useResource(fetcher, ref(2)))
    await flush()

    expect(orders.problem.value.code).toBe('token_revoked')
    expect(session.signedIn).toBe(false)
    // two reads found out: one sign-in, saying why, and no toast
    expect(ui.auth).toEqual({ mode: 'signin', reason: 'expired' })
    expect(ui.toasts).toEqual([])
    expect(orders.needsSignIn.value).toBe(true)

    ui.authDismissed()
    orders.reload() // "Sign in" on the page: the sign-in again, not a call bound to fail
    expect(ui.auth).toEqual({ mode: 'signin', reason: 'expired' })
    expect(fetcher).toHaveBeenCalledTimes(2)

    tokens.set({ access: 'a2', refresh: 'r2' })
    await flush()
    expect(fetcher).toHaveBeenCalledTimes(4)
    expect(orders.data.value).toEqual(['order'])
    expect(profile.data.value).toEqual(['order'])
    expect(orders.problem.value).toBe(null)
    expect(orders.needsSignIn.value).toBe(false)
    scope.stop()
  })

  it('does not open the sign-in over one already open', () => {
    const ui = useUiStore()
    useSessionStore()
    ui.openAuth('register')
    tokens.clear('expired')
    expect(ui.auth).toEqual({ mode: 'register', reason: null })
  })
})
