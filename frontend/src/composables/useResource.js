import { computed, effectScope, getCurrentScope, onScopeDispose, ref, shallowRef, toValue, watch } from 'vue'

import { AUTH_CODES } from '@/api/problem'
import { i18n } from '@/i18n'
import { useSessionStore } from '@/stores/session'
import { useUiStore } from '@/stores/ui'

/**
 * Server data for a page: `fetcher(args, {signal})` runs whenever `args` (a ref or getter) changes, the
 * previous request is aborted (so a slow answer never replaces a newer one), and `data`, `problem` and
 * `loading` say where it is. `args` of null means "nothing to load" (the page is being left). The server
 * answers in the UI's language, so a switch of language reads it again (what is shown stays until then).
 * A read refused because the session ended is read again once the shopper has signed in again (the session
 * store opens the sign-in); `reload` while signed out asks to sign in first.
 */
export function useResource(fetcher, args, { keepData = true } = {}) {
  const data = shallowRef(null)
  const problem = shallowRef(null)
  const loading = ref(false)
  let controller = null
  const scope = getCurrentScope() ?? effectScope()
  let following = false

  const endedSession = () => Boolean(problem.value && AUTH_CODES.has(problem.value.code))

  function followSession() {
    if (following) return
    following = true
    const session = useSessionStore()
    scope.run(() => watch(() => session.signedIn, (now) => now && endedSession() && run()))
  }

  async function run({ keep = false } = {}) {
    const value = toValue(args)
    if (value === null || value === undefined) return
    controller?.abort()
    const mine = new AbortController()
    controller = mine
    loading.value = true
    problem.value = null
    if (!keepData && !keep) data.value = null
    try {
      const result = await fetcher(value, { signal: mine.signal })
      if (controller === mine) data.value = result
    } catch (error) {
      if (controller === mine && error?.code !== 'cancelled') problem.value = error
      if (endedSession()) followSession()
    } finally {
      if (controller === mine) loading.value = false
    }
  }

  watch(() => JSON.stringify(toValue(args) ?? null), (now) => now !== 'null' && run(), { immediate: true })
  watch(() => i18n.global.locale.value, () => (data.value || problem.value) && run({ keep: true }))
  onScopeDispose(() => controller?.abort())

  function reload() {
    if (endedSession() && !useSessionStore().signedIn) return useUiStore().requireAuth(null, 'expired')
    return run()
  }

  /** The read failed because the session ended and nobody is signed in: the way forward is to sign in. */
  const needsSignIn = computed(() => endedSession() && !useSessionStore().signedIn)

  return { data, problem, loading, reload, needsSignIn }
}
