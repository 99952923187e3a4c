import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { auth, AUTH_CODES, tokens, users } from '@/api'
import { clearDrafts } from '@/composables/checkoutDraft'
import { i18n } from '@/i18n'

import { useUiStore } from './ui'

/** Who is signed in. The tokens live in `api/tokens` (so a reload keeps the session); this store keeps
 * the profile and follows the tokens: when a refresh is refused they are cleared and so is the user. */
export const useSessionStore = defineStore('session', () => {
  const user = ref(null)
  const hasTokens = ref(Boolean(tokens.get()))
  const restoring = ref(false)
  let profileLoad = null

  tokens.subscribe((pair, reason) => {
    hasTokens.value = Boolean(pair)
    if (!pair) {
      user.value = null
      // signed out (here or in another tab): what was typed at checkout goes too; an expired session keeps it
      if (reason === 'signed_out') clearDrafts()
      // a session ended elsewhere (or run out) opens the sign-in, once, saying why; the pages that failed for
      // it read again once signed in (useResource)
      if (reason === 'expired') useUiStore().sessionEnded()
    }
  })

  const signedIn = computed(() => hasTokens.value)
  const displayName = computed(() => {
    const u = user.value
    if (!u) return ''
    return [u.first_name, u.last_name].filter(Boolean).join(' ') || u.username
  })

  /** Read the profile; calls made while one read is in flight share it. */
  function loadProfile() {
    profileLoad ??= users.profile()
      .then((profile) => (user.value = profile))
      .finally(() => (profileLoad = null))
    return profileLoad
  }

  /** Read the profile afresh after a change made elsewhere (an emailed link followed): a read already in
   * flight may have been answered before it, so it is waited for, not shared. */
  async function reloadProfile() {
    await profileLoad?.catch(() => {})
    return loadProfile()
  }

  /** The signed-in user's profile, read first if it is not known yet (the staff pages' guard asks before the
   * app has restored the session); null for a guest. */
  async function ensureProfile() {
    if (!tokens.get()) return null
    return user.value ?? loadProfile()
  }

  const isStaff = computed(() => Boolean(user.value?.is_staff))

  /** On start: a stored session is checked (and refreshed if needed) by loading the profile. */
  async function restore() {
    if (!tokens.get()) return
    restoring.value = true
    try {
      await loadProfile()
    } catch (problem) {
      if (AUTH_CODES.has(problem.code) && tokens.get()) tokens.clear('expired')
    } finally {
      restoring.value = false
    }
  }

  async function signIn(username, password) {
    const pair = await auth.login(username, password)
    tokens.set(pair)
    try {
      await loadProfile()
    } catch {
      // signed in all the same; the profile shows up on the next page that needs it
    }
  }

  /** A new account, its emails in the language the shop is shown in now; then signed in. */
  async function register(account) {
    await auth.register({ ...account, language: i18n.global.locale.value })
    await signIn(account.username, account.password)
  }

  async function signOut() {
    const pair = tokens.get()
    try {
      if (pair) await auth.logout(pair.refresh)
    } catch {
      // the tokens are forgotten here either way; the server lets them expire
    } finally {
      tokens.clear('signed_out')
    }
  }

  async function updateProfile(changes) {
    user.value = await users.updateProfile(changes)
    return user.value
  }

  /** The shop's language was switched: a signed-in account's emails follow it. A failure changes nothing
   * the shopper sees (the profile says which language the emails are in, and sets it too). */
  async function followLanguage(code) {
    if (!signedIn.value || (user.value && user.value.language === code)) return
    try {
      await updateProfile({ language: code })
    } catch {
      // kept as it was; see above
    }
  }

  /** Change the password: the server ends every other session and answers a new pair for this one. */
  async function changePassword(currentPassword, newPassword) {
    const pair = await users.changePassword(currentPassword, newPassword)
    tokens.set(pair, 'refreshed')
  }

  return {
    user, signedIn, isStaff, displayName, restoring, restore, loadProfile, reloadProfile, ensureProfile, signIn, register, signOut,
    updateProfile, followLanguage, changePassword,
  }
})
