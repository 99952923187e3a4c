import { defineStore } from 'pinia'
import { markRaw, ref, shallowRef } from 'vue'

import { problemMessage } from '@/composables/problems'

let nextToastId = 1

/** What the page chrome shows across pages: toasts, the side cart, the sign-in modal (and what waits on it). */
export const useUiStore = defineStore('ui', () => {
  const toasts = ref([])
  const cartOpen = ref(false)
  /** null, or {mode: 'signin' | 'register', reason}: the auth modal is open */
  const auth = ref(null)
  /** the open dialogs' places for toasts, innermost last: a toast shows in the innermost one (AppModal) */
  const toastHosts = shallowRef([])
  let afterAuth = null
  // each toast's timer: what is left of its time while it is paused (the pointer or focus on the toasts)
  const timers = new Map()
  let paused = false

  function schedule(id, left) {
    timers.set(id, { left, started: Date.now(), handle: paused ? null : setTimeout(() => dismiss(id), left) })
  }

  /** Show `message`; `action` ({label, run}) adds a button that runs it (an Undo). */
  function toast(message, { tone = 'info', timeout = 5000, action = null } = {}) {
    const id = nextToastId++
    toasts.value.push({ id, message, tone, action })
    if (timeout) schedule(id, timeout)
    return id
  }

  function dismiss(id) {
    clearTimeout(timers.get(id)?.handle)
    timers.delete(id)
    toasts.value = toasts.value.filter((t) => t.id !== id)
  }

  /** Stop the toasts' clocks while the shopper reads or reaches them (WCAG 2.2.1); `resume` gives each one
   * the time it had left. */
  function pauseToasts() {
    if (paused) return
    paused = true
    for (const timer of timers.values()) {
      clearTimeout(timer.handle)
      timer.left -= Date.now() - timer.started
      timer.handle = null
    }
  }

  function resumeToasts() {
    if (!paused) return
    paused = false
    for (const [id, timer] of timers) schedule(id, Math.max(timer.left, 1000))
  }

  /** A toast for a failed call; a cancelled call says nothing. */
  function toastProblem(problem) {
    if (problem?.code === 'cancelled') return null
    return toast(problemMessage(problem), { tone: 'danger', timeout: 7000 })
  }

  function addToastHost(element) {
    toastHosts.value = [...toastHosts.value, markRaw(element)]
  }

  function removeToastHost(element) {
    toastHosts.value = toastHosts.value.filter((e) => e !== element)
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
    toasts, cartOpen, auth, toastHosts, toast, dismiss, pauseToasts, resumeToasts, toastProblem, addToastHost,
    removeToastHost, requireAuth, sessionEnded, openAuth, authSucceeded, authDismissed,
    openCart: () => (cartOpen.value = true),
    closeCart: () => (cartOpen.value = false),
  }
})
