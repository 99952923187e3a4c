import { describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import CatalogueFiltersFacets from '@/components/CatalogueFiltersFacets.vue'
import { parseQuery } from '@/composables/catalogueQuery'
import { i18n } from '@/i18n'
import { flush } from '@/test/helpers'
import { mountWith } from '@/test/mount'

const facets = {
  category: [{ slug: 'shirts', name: 'Shirts', count: 3 }],
  size: [{ value: 'S', label: 'S', count: 1 }, { value: 'M', label: 'M', count: 2 }],
  color: [{ value: 'Navy', label: 'Тёмно-синий', count: 3 }],
  price: [{ min: '0.00', max: '24.99', count: 1 }, { min: '25.00', max: '49.99', count: 2 },
    { min: '200.00', max: null, count: 0 }],
  in_stock: { true: 3, false: 2 },
}

async function mountAt(path, props = {}) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', name: 'catalogue', component: { template: '<div />' } }] })
  await router.push(path)
  const filters = parseQuery(router.currentRoute.value.query)
  const wrapper = mountWith(CatalogueFiltersFacets, { props: { filters, facets, ...props }, global: { plugins: [i18n, router] } })
  return { router, wrapper }
}

/** Wait for the lazily loaded panel to be there. */
async function loaded(wrapper) {
  await vi.waitFor(() => expect(wrapper.find('[data-test="facet-price"]').exists()).toBe(true), { timeout: 5000 })
}

async function open(wrapper) {
  await wrapper.get('[data-test="facets-toggle"]').trigger('click')
  await loaded(wrapper)
}

describe('CatalogueFiltersFacets', () => {
  it('opens on demand and shows every value with the number of products it would give', async () => {
    const { wrapper } = await mountAt('/')
    const toggle = wrapper.get('[data-test="facets-toggle"]')
    expect(toggle.attributes('aria-expanded')).toBe('false')
    await toggle.trigger('click')
    await loaded(wrapper)
    expect(toggle.attributes('aria-expanded')).toBe('true')
    expect(wrapper.get('[data-test="facet-size"] legend').text()).toBe('Size')
    expect(wrapper.findAll('[data-test="facet-size"] label').map((l) => l.text())).toEqual(['S (1)', 'M (2)'])
    expect(wrapper.get('[data-test="facet-color"] label').text()).toBe('Тёмно-синий (3)') // the label, not the value
    expect(wrapper.findAll('[data-test="facet-price"] label').map((l) => l.text())).toEqual([
      'Any price', 'Under $25.00 (1)', '$25.00 – $49.99 (2)', '$200.00 and up (0)'])
  })

  it('adds and removes a size in the URL, back on page 1', async () => {
    const { router, wrapper } = await mountAt('/?size=S&page=3')
    await open(wrapper)
    expect(wrapper.get('[data-value="S"] input').element.checked).toBe(true)
    await wrapper.get('[data-value="M"] input').setValue(true)
    await flush()
    expect(router.currentRoute.value.query).toEqual({ size: 'M,S' })
    expect(wrapper.get('[data-test="facets-toggle"]').text()).toContain('(1)') // one facet filter chosen
  })

  it('keeps a chosen value that counts nothing now, so it can be unchosen', async () => {
    const { router, wrapper } = await mountAt('/?color=Rust,Navy')
    await open(wrapper)
    expect(wrapper.get('[data-value="Rust"]').text()).toBe('Rust (0)')
    await wrapper.get('[data-value="Rust"] input').setValue(false)
    await flush()
    expect(router.currentRoute.value.query).toEqual({ color: 'Navy' })
  })

  it('sets a price range as the list’s min and max', async () => {
    const { router, wrapper } = await mountAt('/?q=shirt')
    await open(wrapper)
    await wrapper.get('[data-value="25.00"] input').setValue(true)
    await flush()
    expect(router.currentRoute.value.query).toEqual({ q: 'shirt', min: '25.00', max: '49.99' })
    await wrapper.setProps({ filters: parseQuery(router.currentRoute.value.query) })
    expect(wrapper.get('[data-value="25.00"] input').element.checked).toBe(true)
  })
})
