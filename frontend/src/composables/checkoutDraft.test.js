import { beforeEach, describe, expect, it } from 'vitest'

import { clearDraft, clearDrafts, draftKey, loadDraft, saveDraft } from '@/composables/checkoutDraft'

describe('the checkout draft', () => {
  beforeEach(() => sessionStorage.clear())

  it('is kept in this tab’s session storage under a key naming the account, and given back', () => {
    const draft = { address: { city: 'London' }, comment: 'ring twice', payment_method: 'card' }
    saveDraft(7, draft)
    expect(JSON.parse(sessionStorage.getItem('shop.checkout.7'))).toEqual(draft)
    expect(draftKey(7)).toBe('shop.checkout.7')
    expect(loadDraft(7)).toEqual(draft)
    expect(loadDraft(8)).toBeNull() // another account's is not theirs
    expect(localStorage.getItem('shop.checkout.7')).toBeNull()
  })

  it('is removed for one account once its order is placed, and for all of them on signing out', () => {
    saveDraft(7, { comment: 'a' })
    saveDraft(8, { comment: 'b' })
    sessionStorage.setItem('shop.emailBanner.dismissed', 'x')
    clearDraft(7)
    expect(loadDraft(7)).toBeNull()
    expect(loadDraft(8)).toEqual({ comment: 'b' })
    clearDrafts()
    expect(loadDraft(8)).toBeNull()
    expect(sessionStorage.getItem('shop.emailBanner.dismissed')).toBe('x') // not a draft
  })

  it('reads nothing from a broken entry, and keeps working without storage', () => {
    sessionStorage.setItem('shop.checkout.7', '{not json')
    expect(loadDraft(7)).toBeNull()
    sessionStorage.setItem('shop.checkout.7', '[1, 2]')
    expect(loadDraft(7)).toBeNull()
    const broken = { getItem: () => { throw new Error('denied') }, setItem: () => { throw new Error('full') } }
    expect(() => saveDraft(7, {}, broken)).not.toThrow()
    expect(loadDraft(7, broken)).toBeNull()
    expect(() => clearDrafts(broken)).not.toThrow()
  })
})
