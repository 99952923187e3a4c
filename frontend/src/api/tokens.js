/**
 * The session's tokens: kept in localStorage so that a reload (or another tab) keeps the shopper signed in,
 * shared between tabs through the `storage` event. The refresh token rotates on every use (CONTRACT.md),
 * so every tab must always hold the newest pair: see the refresh lock in http.js.
 */
const KEY = 'shop.session'

export function createTokenStore(storage = globalThis.localStorage, target = globalThis.window) {
  const listeners = new Set()
  const read = () => {
    try {
      const value = JSON.parse(storage?.getItem(KEY) ?? 'null')
      return value?.access && value?.refresh ? { access: value.access, refresh: value.refresh } : null
    } catch {
      return null
    }
  }
  let current = read()
  const notify = (reason) => listeners.forEach((listener) => listener(current, reason))

  target?.addEventListener?.('storage', (event) => {
    if (event.key === KEY || event.key === null) {
      current = read()
      notify(current ? 'other_tab' : 'signed_out')
    }
  })

  return {
    /** The pair this tab holds, or null. */
    get: () => current,
    /** Re-read the stored pair (another tab may have rotated it). */
    reload() {
      current = read()
      return current
    },
    set(pair, reason = 'signed_in') {
      current = { access: pair.access, refresh: pair.refresh }
      storage?.setItem(KEY, JSON.stringify(current))
      notify(reason)
    },
    /** Forget the pair; `reason` tells listeners why (`signed_out`, `expired`). */
    clear(reason = 'signed_out') {
      current = null
      storage?.removeItem(KEY)
      notify(reason)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

/** Seconds until a JWT's `exp`, or Infinity when it cannot be read (the server decides then). */
export function secondsLeft(jwt, now = Date.now()) {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')))
    return typeof payload.exp === 'number' ? payload.exp - now / 1000 : Infinity
  } catch {
    return Infinity
  }
}

export const tokens = createTokenStore()
