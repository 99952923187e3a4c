import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'

import { tokens } from '@/api'
import { useResource } from '@/composables/useResource'
import { i18n } from '@/i18n'
import { useSessionStore } from '@/stores/session'
import { useUiStore } from '@/stores/ui'
import { flush, problem } from '@/test/helpers'

describe('useResource', () => {
  it('reads what is on screen again when the language changes, keeping it shown meanwhile', async () => {
    const calls = []
    let answer = null
    const fetcher = (slug) => {
      calls.push(`${slug} ${i18n.global.locale.value}`)
      return new Promise((resolve) => (answer = resolve))
    }
    const scope = effectScope()
    const slug = ref('linen-shirt')
    const { data, loading } = scope.run(() => useResource(fetcher, slug, { keepData: false }))
    await nextTick()
    answer({ name: 'Linen shirt' })
    await flush()
    expect(data.value).toEqual({ name: 'Linen shirt' })

    i18n.global.locale.value = 'ru'
    await nextTick()
    expect(calls).toEqual(['linen-shirt en', 'linen-shirt ru'])
    expect([data.value, loading.value]).toEqual([{ name: 'Linen shirt' }, true]) // not emptied while it is read
    answer({ name: 'Льняная рубашка' })
    await flush()
    expect(data.value).toEqual({ name: 'Льняная рубашка' })

    slug.value = 'oxford' // another product: emptied first, as before
    await nextTick()
    expect(data.value).toBeNull()
    scope.stop()
    i18n.global.locale.value = 'en'
    await nextTick()
    expect(calls).toHaveLength(3) // nothing is read once the page is gone
  })
})

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
