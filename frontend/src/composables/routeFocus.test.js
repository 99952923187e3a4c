/* eslint-disable vue/one-component-per-file -- the pages of a made-up shop, each a line */
import { mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'

import { focusOnNavigation } from './routeFocus'

const page = (title) => defineComponent({
  setup: () => () => h('div', [h('h1', title), h('button', 'a control')]),
})
// a page whose h1 comes with its data (a product): a skeleton first
const ready = ref(false)
const later = defineComponent({ setup: () => () => (ready.value ? h('h1', 'Linen shirt') : h('div', { class: 'skeleton' })) })

async function shop() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: page('Good things') },
      { path: '/orders', component: page('My orders') },
      { path: '/products/linen', component: later },
      { path: '/admin', component: page('Dashboard'), meta: { admin: true } },
    ],
  })
  const said = []
  focusOnNavigation(router, (text) => said.push(text), { skip: (to) => Boolean(to.meta.admin) })
  const wrapper = mount(defineComponent({ setup: () => () => h('main', h(RouterView)) }), {
    global: { plugins: [router] },
    attachTo: document.body,
  })
  await router.push('/')
  await router.isReady()
  await flush()
  return { router, said, wrapper }
}

const flush = async () => {
  for (let i = 0; i < 3; i += 1) await nextTick()
  await new Promise((done) => setTimeout(done, 0))
}
const focused = () => document.activeElement

describe('focus and announcement on navigation', () => {
  let wrapper = null
  afterEach(() => {
    wrapper?.unmount()
    ready.value = false
    document.title = ''
  })

  it('leaves the first page alone (the browser has just loaded it)', async () => {
    const s = await shop()
    wrapper = s.wrapper
    expect(focused()).toBe(document.body)
    expect(s.said).toEqual([])
  })

  it('puts focus on the new page’s h1 and says its title', async () => {
    const s = await shop()
    wrapper = s.wrapper
    document.title = 'My orders · Shop'
    await s.router.push('/orders')
    await flush()
    expect(focused().tagName).toBe('H1')
    expect(focused().textContent).toBe('My orders')
    expect(focused().getAttribute('tabindex')).toBe('-1')
    expect(s.said).toEqual(['My orders · Shop'])
  })

  it('says the h1 when the page has no title of its own', async () => {
    const s = await shop()
    wrapper = s.wrapper
    await s.router.push('/orders')
    await flush()
    expect(s.said).toEqual(['My orders'])
  })

  it('waits for an h1 that comes with the page’s data', async () => {
    const s = await shop()
    wrapper = s.wrapper
    await s.router.push('/products/linen')
    await flush()
    expect(s.said).toEqual([])
    expect(focused()).toBe(document.body)
    ready.value = true
    await flush()
    expect(focused().textContent).toBe('Linen shirt')
    expect(s.said).toEqual(['Linen shirt'])
  })

  it('does not move focus for a new query on the same page (a filter)', async () => {
    const s = await shop()
    wrapper = s.wrapper
    const control = wrapper.find('button').element
    control.focus()
    await s.router.push('/?category=shirts')
    await flush()
    expect(focused()).toBe(control)
    expect(s.said).toEqual([])
  })

  it('leaves the pages that skip it to themselves', async () => {
    const s = await shop()
    wrapper = s.wrapper
    await s.router.push('/admin')
    await flush()
    expect(focused()).toBe(document.body)
    expect(s.said).toEqual([])
  })

  it('forgets a wait when the shopper moves on first', async () => {
    const s = await shop()
    wrapper = s.wrapper
    await s.router.push('/products/linen')
    await flush()
    await s.router.push('/orders')
    await flush()
    ready.value = true
    await flush()
    expect(s.said).toEqual(['My orders'])
    expect(focused().textContent).toBe('My orders')
  })
})
