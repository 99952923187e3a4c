import { afterEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'

import AppModal from '@/components/AppModal.vue'
import { mountWith } from '@/test/mount'

const tab = (shiftKey = false) => document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', shiftKey, bubbles: true, cancelable: true }))

describe('AppModal', () => {
  let wrapper
  afterEach(() => wrapper?.unmount())

  async function open() {
    const opener = document.createElement('button')
    document.body.appendChild(opener)
    opener.focus()
    wrapper = mountWith(AppModal, {
      props: { open: false, title: 'Sign in' },
      slots: { default: '<input id="first" /><button id="last">Go</button>' },
      attachTo: document.body,
    })
    await wrapper.setProps({ open: true })
    await nextTick()
    await nextTick()
    return opener
  }

  it('is a labelled modal dialog that takes the focus', async () => {
    await open()
    const dialog = document.querySelector('[role=dialog]')
    expect(dialog.getAttribute('aria-modal')).toBe('true')
    expect(document.getElementById(dialog.getAttribute('aria-labelledby')).textContent).toBe('Sign in')
    expect(dialog.contains(document.activeElement)).toBe(true)
  })

  it('keeps Tab inside: from the last control to the first, and back with Shift+Tab', async () => {
    await open()
    const close = document.querySelector('[role=dialog] .modal__header button')
    document.getElementById('last').focus()
    tab()
    expect(document.activeElement).toBe(close)
    tab(true)
    expect(document.activeElement).toBe(document.getElementById('last'))
  })

  it('closes on Escape and gives the focus back to what opened it', async () => {
    const opener = await open()
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    expect(wrapper.emitted('close')).toHaveLength(1)
    await wrapper.setProps({ open: false })
    expect(document.activeElement).toBe(opener)
  })
})
