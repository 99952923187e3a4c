import { defineStore } from 'pinia'
import { ref } from 'vue'

import { problemMessage } from '@/composables/problems'

let nextToastId = 1

/** What the page chrome shows across pages: toasts, the side cart, the sign-in modal (and what waits on it). */
export const useUiStore = defineStore('ui', () => {
  const toasts = ref([])
  const cartOpen = ref(false)
  /** null, or {mode: 'signin' | 'register', reason}: the auth modal is open */
  const auth = ref(null)
  let afterAuth = null

  /** Show `message`; `action` ({label, run}) adds a button that runs it (an Undo). */
  function toast(message, { tone = 'info', timeout = 5000, action = null } = {}) {
    const id = nextToastId++
    toasts.value.push({ id, message, tone, action })
    if (timeout) setTimeout(() => dismiss(id), timeout)
    return id
  }

  function dismiss(id) {
    toasts.value = toasts.value.filter((t) => t.id !== id)
  }

  /** A toast for a failed call; a cancelled call says nothing. */
  function toastProblem(problem) {
    if (problem?.code === 'cancelled') return null
    return toast(problemMessage(problem), { tone: 'danger', timeout: 7000 })
  }

  /** Ask the shopper to sign in; `then` runs once they have (not if they close the modal). */
  function requireAuth(then = null, reason = null, mode = 'signin') {
    afterAuth = then
    auth.value = { mode, reason }
  }

  /** The session ended (revoked elsewhere, or run out): the sign-in opens, saying so; only once, however many
   * calls found out, and never over a sign-in the shopper has open already. */
  function sessionEnded() {
    if (auth.value) return
    requireAuth(null, 'expired')
  }

  function openAuth(mode = 'signin') {
    requireAuth(null, null, mode)
  }

  async function authSucceeded() {
    const then = afterAuth
    afterAuth = null
    auth.value = null
    if (then) await then()
  }

  function authDismissed() {
    afterAuth = null
    auth.value = null
  }

  return {
    toasts, cartOpen, auth, toast, dismiss, toastProblem, requireAuth, sessionEnded, openAuth, authSucceeded, authDismissed,
    openCart: () => (cartOpen.value = true),
    closeCart: () => (cartOpen.value = false),
  }
})
