import { afterEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'

import AppModal from '@/components/AppModal.vue'
import TheToasts from '@/components/TheToasts.vue'
import { useUiStore } from '@/stores/ui'
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

  it('shows the toasts under its title while open, and gives them back to the page once closed', async () => {
    wrapper = mountWith({
      components: { AppModal, TheToasts },
      props: { open: Boolean },
      template: '<div><TheToasts /><AppModal :open="open" title="Your cart"><button>Check out</button></AppModal></div>',
    }, { props: { open: true }, attachTo: document.body })
    await nextTick()
    await nextTick()
    useUiStore().toast('Welcome back, Ada!', { timeout: 0 })
    await nextTick()
    const dialog = document.querySelector('[role=dialog]')
    const shown = [...document.querySelectorAll('[data-test=toast]')]
    expect(shown).toHaveLength(1)
    expect(dialog.contains(shown[0])).toBe(true)
    // between the title and the content, in the flow: nothing of the dialog is under it
    expect(shown[0].closest('.modal__toasts').previousElementSibling.classList.contains('modal__header')).toBe(true)
    expect(dialog.querySelector('[role=status]').textContent).toContain('Welcome back, Ada!')

    await wrapper.setProps({ open: false })
    await nextTick()
    const back = document.querySelector('[data-test=toast]')
    expect(back.closest('[role=dialog]')).toBe(null)
    expect(back.textContent).toContain('Welcome back, Ada!')
  })
})
