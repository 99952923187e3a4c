import { flushPromises } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'

import { installAdminMessages } from '@/admin/messages'
import { i18n } from '@/i18n'
import { mountWith } from '@/test/mount'
import { problem } from '@/test/helpers'

import * as api from './api'
import ProductEditorView from './ProductEditorView.vue'

vi.mock('./api', () => ({
  products: { get: vi.fn(), update: vi.fn(), create: vi.fn(), remove: vi.fn(), reorderImages: vi.fn() },
  variants: { create: vi.fn(), update: vi.fn(), remove: vi.fn() },
  images: { upload: vi.fn(), remove: vi.fn() },
  categories: { list: vi.fn() },
}))

const detail = (extra = {}) => ({
  id: 9, slug: 'linen-shirt', name: 'Linen shirt', description: 'Cool.', currency: 'USD',
  category: { slug: 'shirts', name: 'Shirts' }, attributes: {}, photos: [],
  variants: [{ id: 1, sku: 'LS-M', label: 'M', attributes: { size: 'M' }, price: '40.00', stock: 3 }],
  ...extra,
})

async function open() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/admin/products', name: 'admin-products', component: { template: '<p>list</p>' } },
      { path: '/admin/products/new', name: 'admin-product-new', component: ProductEditorView },
      { path: '/admin/products/:slug', name: 'admin-product', component: ProductEditorView },
      { path: '/products/:slug', name: 'product', component: { template: '<p>shop</p>' } },
    ],
  })
  router.push('/admin/products/linen-shirt')
  await router.isReady()
  const wrapper = mountWith({ render: () => h(RouterView) }, { global: { plugins: [createPinia(), i18n, router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

const nameInput = (wrapper) => wrapper.get('[data-test="editor-name"] input')

describe('the product editor', () => {
  beforeEach(() => {
    vi.clearAllMocks()
    installAdminMessages()
    api.categories.list.mockResolvedValue([{ slug: 'shirts', name: 'Shirts' }])
    api.products.get.mockResolvedValue({ data: detail(), etag: '"v1"' })
  })

  it('sends If-Match with the version read, then with the version each answer gave', async () => {
    const { wrapper } = await open()
    api.products.update.mockResolvedValueOnce({ data: detail({ name: 'Linen camp shirt' }), etag: '"v2"' })
    await nameInput(wrapper).setValue('Linen camp shirt')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(api.products.update).toHaveBeenLastCalledWith('linen-shirt', { name: 'Linen camp shirt' }, '"v1"')

    api.products.update.mockResolvedValueOnce({ data: detail({ name: 'Camp shirt' }), etag: '"v3"' })
    await nameInput(wrapper).setValue('Camp shirt')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(api.products.update).toHaveBeenLastCalledWith('linen-shirt', { name: 'Camp shirt' }, '"v2"')
    expect(api.products.get).toHaveBeenCalledTimes(1) // no read between saves
    wrapper.unmount()
  })

  it('on a 412 says someone else changed it, saves nothing more, and loads their version on demand', async () => {
    const { wrapper } = await open()
    api.products.update.mockRejectedValueOnce(problem(412, 'version_conflict'))
    await nameInput(wrapper).setValue('Mine')
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    const banner = wrapper.get('[data-test="version-conflict"]')
    expect(banner.attributes('role')).toBe('alert')
    expect(banner.text()).toContain('Someone else changed this product')
    expect(wrapper.get('[data-test="editor-save"]').attributes('disabled')).toBeDefined()
    expect(nameInput(wrapper).element.value).toBe('Mine') // nothing typed is dropped until asked

    api.products.get.mockResolvedValueOnce({ data: detail({ name: 'Theirs' }), etag: '"v7"' })
    await wrapper.get('[data-test="version-reload"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-test="version-conflict"]').exists()).toBe(false)
    expect(nameInput(wrapper).element.value).toBe('Theirs')

    api.products.update.mockResolvedValueOnce({ data: detail({ name: 'Mine again' }), etag: '"v8"' })
    await nameInput(wrapper).setValue('Mine again')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(api.products.update).toHaveBeenLastCalledWith('linen-shirt', { name: 'Mine again' }, '"v7"')
    wrapper.unmount()
  })

  it('shows a refused new variant\'s errors at its fields, and keeps the form', async () => {
    const { wrapper } = await open()
    await wrapper.get('[data-test="variant-add"]').trigger('click')
    const rows = wrapper.findAll('[data-test="variant-row"]')
    await rows[1].get('[data-test="variant-sku"]').setValue('LS-L')
    await rows[1].get('[data-test="variant-price"]').setValue('41')
    const refusal = Object.assign(problem(422, 'validation_error'), { errors: { json: { price: ['Must be greater than 0.'] } } })
    api.variants.create.mockRejectedValueOnce(refusal)
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    expect(api.variants.create).toHaveBeenCalledWith('linen-shirt',
      { sku: 'LS-L', label: 'LS-L', attributes: {}, price: '41', stock: 0 }, '"v1"')
    const price = wrapper.findAll('[data-test="variant-row"]')[1].get('[data-test="variant-price"]')
    expect(price.attributes('aria-invalid')).toBe('true')
    expect(document.getElementById(price.attributes('aria-describedby')).textContent).toBe('Must be greater than 0.')
    wrapper.unmount()
  })

  it('checks the form before sending', async () => {
    const { wrapper } = await open()
    await nameInput(wrapper).setValue('')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(api.products.update).not.toHaveBeenCalled()
    expect(wrapper.get('[data-test="editor-name"]').text()).toContain('Please fill this in.')
    expect(nameInput(wrapper).attributes('aria-invalid')).toBe('true')
    wrapper.unmount()
  })

  it('shows a last-variant refusal at the variants, and keeps the row it could not remove', async () => {
    api.products.get.mockResolvedValue({ data: detail({ variants: [
      { id: 1, sku: 'LS-M', label: 'M', attributes: {}, price: '40.00', stock: 3 },
      { id: 2, sku: 'LS-L', label: 'L', attributes: {}, price: '40.00', stock: 3 }] }), etag: '"v1"' })
    const { wrapper } = await open()
    api.variants.remove.mockRejectedValueOnce(problem(409, 'last_variant'))
    await wrapper.findAll('[data-test="variant-remove"]')[1].trigger('click')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(api.variants.remove).toHaveBeenCalledWith('linen-shirt', 2, '"v1"')
    expect(wrapper.get('[data-test="variants-error"]').text()).toContain('at least one variant')
    expect(wrapper.find('[data-test="editor-dirty"]').exists()).toBe(true) // the removal is still to be saved
    wrapper.unmount()
  })

  it('edits the Russian name, description and values beside the English, saved with the product', async () => {
    const { wrapper } = await open()
    const russian = wrapper.get('[data-test="translation-ru"]')
    expect(russian.findAll('[data-test="translation-value"]').map((row) => row.text())).toEqual(['M'])
    await russian.get('[data-test="translation-name"] input').setValue('Льняная рубашка')
    await russian.get('[data-test="translation-description"] textarea').setValue('Лёгкая.')
    await russian.get('[data-value="M"]').setValue('Средний')
    api.products.update.mockResolvedValueOnce({ data: detail({ translations: { ru: { name: 'Льняная рубашка',
      description: 'Лёгкая.', values: { M: 'Средний' } } } }), etag: '"v2"' })
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(api.products.update).toHaveBeenCalledWith('linen-shirt', { translations: { ru: { name: 'Льняная рубашка',
      description: 'Лёгкая.', values: { M: 'Средний' } } } }, '"v1"')
    expect(wrapper.find('[data-test="editor-dirty"]').exists()).toBe(false)
    expect(nameInput(wrapper).element.value).toBe('Linen shirt') // the English is its own field
    wrapper.unmount()
  })
})
