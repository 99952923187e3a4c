import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import { catalogue } from '@/api'
import { i18n } from '@/i18n'
import { flush } from '@/test/helpers'
import { mountWith } from '@/test/mount'
import CatalogueView from '@/views/CatalogueView.vue'

vi.mock('@/api', () => ({
  catalogue: { categories: vi.fn(async () => []), products: vi.fn(), facets: vi.fn() },
}))

const facets = { category: [], size: [], color: [], price: [], in_stock: { true: 1, false: 0 } }

async function open(path, page) {
  catalogue.products.mockResolvedValue(page)
  catalogue.facets.mockResolvedValue(facets)
  const router = createRouter({ history: createMemoryHistory(), routes: [
    { path: '/', name: 'catalogue', component: CatalogueView }, { path: '/p/:slug', name: 'product', component: {} }] })
  await router.push(path)
  const wrapper = mountWith(CatalogueView, { global: { plugins: [i18n, router], stubs: {} } })
  await flush()
  return { router, wrapper }
}

describe('the catalogue page', () => {
  afterEach(() => vi.clearAllMocks())

  it('offers the suggestion of a search as a link to that search', async () => {
    const { router, wrapper } = await open('/?q=lnen%20shrt',
      { count: 0, next: null, previous: null, suggestion: 'linen shirt', results: [] })
    const hint = wrapper.get('[data-test="did-you-mean"]')
    expect(hint.text()).toBe('Did you mean linen shirt?')
    await hint.get('a').trigger('click')
    await flush()
    expect(router.currentRoute.value.query).toEqual({ q: 'linen shirt' })
  })

  it('asks for the facets with the list’s filters, and says nothing without a suggestion', async () => {
    const { wrapper } = await open('/?q=linen&size=M&page=2', { count: 30, next: null, previous: null, suggestion: null,
      results: [] })
    expect(wrapper.find('[data-test="did-you-mean"]').exists()).toBe(false)
    expect(catalogue.facets.mock.calls[0][0]).toEqual({ search: 'linen', size: 'M' })
    expect(catalogue.products.mock.calls[0][0]).toMatchObject({ search: 'linen', size: 'M', page: 2 })
  })
})
