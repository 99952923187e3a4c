import { flushPromises } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'

import { mountAdmin } from '@/test/adminMount'
import { deferred, problem } from '@/test/helpers'

import * as api from './api'
import ProductEditorPhotos from './ProductEditorPhotos.vue'
import { createWriteLine } from './save'

vi.mock('./api', () => ({
  products: { reorderImages: vi.fn() },
  images: { upload: vi.fn(), remove: vi.fn() },
}))

const photo = (id) => ({ id, url: `/p/${id}.webp`, width: 1200, height: 1500, sizes: { 400: `/p/${id}-400.webp`, 1200: `/p/${id}.webp` } })

async function photos(list = [photo(1), photo(2)]) {
  const { wrapper } = await mountAdmin(ProductEditorPhotos, {
    path: '/admin/products/linen-shirt',
    props: { slug: 'linen-shirt', name: 'Linen shirt', photos: list, version: () => '"v4"', line: createWriteLine() },
    attachTo: document.body,
  })
  return wrapper
}

describe('the editor\'s photos', () => {
  beforeEach(() => {
    vi.clearAllMocks()
    globalThis.URL.createObjectURL = vi.fn((file) => `blob:${file.name}`)
    globalThis.URL.revokeObjectURL = vi.fn()
  })

  it('moves a photo at once, sends the order with If-Match, and puts it back when refused', async () => {
    const wrapper = await photos()
    const answer = deferred()
    api.products.reorderImages.mockReturnValueOnce(answer.promise)
    await wrapper.get('[data-test="photo-down"]').trigger('click')
    expect(wrapper.emitted('changed')[0][0].photos.map((p) => p.id)).toEqual([2, 1]) // shown before the answer
    await flushPromises()
    expect(api.products.reorderImages).toHaveBeenCalledWith('linen-shirt', [2, 1], '"v4"')

    answer.reject(Object.assign(problem(422, 'validation_error'), { errors: { json: { images: ['Not its photos.'] } } }))
    await flushPromises()
    expect(wrapper.emitted('changed')[1][0]).toEqual({ photos: [photo(1), photo(2)], etag: null })
    expect(wrapper.get('[data-test="photos-error"]').attributes('role')).toBe('alert')
    wrapper.unmount()
  })

  it('reports a 412 as a conflict instead of an error of its own', async () => {
    const wrapper = await photos()
    api.products.reorderImages.mockRejectedValueOnce(problem(412, 'version_conflict'))
    await wrapper.findAll('[data-test="photo-up"]')[1].trigger('click')
    await flushPromises()
    expect(wrapper.emitted('conflict')).toHaveLength(1)
    expect(wrapper.find('[data-test="photos-error"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('lists each chosen file with its preview and progress; a refused one says why and is not sent', async () => {
    const wrapper = await photos([])
    const upload = deferred()
    let progress
    api.images.upload.mockImplementationOnce((slug, file, etag, { onProgress }) => {
      progress = onProgress
      return upload.promise
    })
    const input = wrapper.get('[data-test="photo-input"]')
    const files = [new File(['x'.repeat(50)], 'coat.jpg', { type: 'image/jpeg' }), new File(['x'], 'notes.txt', { type: 'text/plain' })]
    Object.defineProperty(input.element, 'files', { value: files, configurable: true })
    await input.trigger('change')
    await flushPromises()

    expect(api.images.upload).toHaveBeenCalledTimes(1)
    expect(api.images.upload.mock.calls[0].slice(0, 3)).toEqual(['linen-shirt', files[0], '"v4"'])
    progress(0.5)
    await flushPromises()
    const [sending, refused] = wrapper.findAll('[data-test="upload"]')
    expect(sending.attributes('data-state')).toBe('sending')
    expect(sending.get('progress').attributes('value')).toBe('50')
    expect(sending.get('img').attributes('src')).toBe('blob:coat.jpg')
    expect(refused.attributes('data-state')).toBe('refused')
    expect(refused.text()).toContain('Not a JPEG, PNG or WebP picture.')

    upload.resolve({ data: photo(7), etag: '"v5"' })
    await flushPromises()
    expect(wrapper.emitted('changed')[0][0]).toEqual({ photos: [photo(7)], etag: '"v5"' })
    expect(wrapper.findAll('[data-test="upload"]')).toHaveLength(1) // the stored one left the list
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:coat.jpg')
    wrapper.unmount()
  })
})
