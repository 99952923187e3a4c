import { flushPromises } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'

import { installAdminMessages } from '@/admin/messages'
import { mountWith } from '@/test/mount'

import { categories as api } from './api'
import CategoryDialog from './CategoryDialog.vue'

vi.mock('./api', () => ({ categories: { get: vi.fn(), create: vi.fn(), update: vi.fn() } }))

const SHIRTS = { id: 1, slug: 'shirts', name: 'Shirts', description: 'Everyday shirts', product_count: 2 }

describe('the category dialog', () => {
  beforeEach(() => {
    vi.clearAllMocks()
    installAdminMessages()
  })

  it('edits the Russian name and description beside the English, and sends only what changed', async () => {
    api.get.mockResolvedValue({ data: { ...SHIRTS, translations: { ru: { name: 'Рубашки' } } }, etag: '"c1"' })
    api.update.mockResolvedValue({ data: { ...SHIRTS, translations: { ru: { name: 'Рубашки', description: 'На каждый день' } } } })
    const wrapper = mountWith(CategoryDialog, { props: { open: true, category: SHIRTS }, attachTo: document.body })
    await flushPromises()
    const field = (test) => document.querySelector(`[data-test="${test}"] input, [data-test="${test}"] textarea`)
    expect(field('category-name').value).toBe('Shirts')
    expect(field('category-name-ru').value).toBe('Рубашки')
    field('category-description-ru').value = 'На каждый день'
    field('category-description-ru').dispatchEvent(new Event('input'))
    document.querySelector('[data-test="category-form"]').dispatchEvent(new Event('submit'))
    await flushPromises()
    expect(api.update).toHaveBeenCalledWith('shirts', { translations: { ru: { name: 'Рубашки', description: 'На каждый день' } } }, '"c1"')
    expect(wrapper.emitted('saved')).toHaveLength(1)
    wrapper.unmount()
  })

  it('sends a new category\'s Russian name only when one is typed', async () => {
    api.create.mockResolvedValue({ data: { ...SHIRTS, slug: 'hats', name: 'Hats' } })
    const wrapper = mountWith(CategoryDialog, { props: { open: true, category: null }, attachTo: document.body })
    await flushPromises()
    const field = (test) => document.querySelector(`[data-test="${test}"] input`)
    field('category-name').value = 'Hats'
    field('category-name').dispatchEvent(new Event('input'))
    document.querySelector('[data-test="category-form"]').dispatchEvent(new Event('submit'))
    await flushPromises()
    expect(api.create).toHaveBeenLastCalledWith({ name: 'Hats', description: '' })
    field('category-name-ru').value = 'Шляпы'
    field('category-name-ru').dispatchEvent(new Event('input'))
    document.querySelector('[data-test="category-form"]').dispatchEvent(new Event('submit'))
    await flushPromises()
    expect(api.create).toHaveBeenLastCalledWith({ name: 'Hats', description: '', translations: { ru: { name: 'Шляпы' } } })
    wrapper.unmount()
  })
})
