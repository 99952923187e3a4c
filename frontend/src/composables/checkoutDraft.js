/**
 * What a shopper has typed at checkout (the new address, the comment, the payment method), kept in this
 * tab's sessionStorage (never sent to the server) under a key naming the account, so that a reload gives it
 * back; removed once the order is placed, and when the shopper signs out (every account's, in this tab).
 * Storage that cannot be used (private mode, full) just keeps nothing.
 */
const PREFIX = 'shop.checkout.'

export const draftKey = (userId) => `${PREFIX}${userId}`

export function saveDraft(userId, draft, storage = globalThis.sessionStorage) {
  try {
    storage.setItem(draftKey(userId), JSON.stringify(draft))
  } catch {
    // not kept: the form still works
  }
}

/** The draft of `userId`, or null (none, or unreadable). */
export function loadDraft(userId, storage = globalThis.sessionStorage) {
  try {
    const draft = JSON.parse(storage.getItem(draftKey(userId)) ?? 'null')
    return draft && typeof draft === 'object' && !Array.isArray(draft) ? draft : null
  } catch {
    return null
  }
}

export function clearDraft(userId, storage = globalThis.sessionStorage) {
  try {
    storage.removeItem(draftKey(userId))
  } catch {
    // nothing to clear
  }
}

/** Remove the drafts of every account (signing out: the next one to sign in here sees none). */
export function clearDrafts(storage = globalThis.sessionStorage) {
  try {
    const keys = Array.from({ length: storage.length }, (_, i) => storage.key(i)).filter((k) => k?.startsWith(PREFIX))
    for (const key of keys) storage.removeItem(key)
  } catch {
    // nothing to clear
  }
}
