import { AxiosError } from 'axios'
import { describe, expect, it } from 'vitest'

import { createHttp } from '@/api/http'
import { createTokenStore } from '@/api/tokens'
import { memoryStorage, problem } from '@/test/helpers'

import { emptyForm, emptyVariant, toForm } from './editor'
import { saveProduct, withAssignedIds } from './save'

const DETAIL = {
  id: 9, slug: 'linen-shirt', name: 'Linen shirt', description: '', category: { slug: 'shirts' }, attributes: {},
  variants: [
    { id: 1, sku: 'LS-M', label: 'M', attributes: { size: 'M' }, price: '40.00', stock: 3 },
    { id: 2, sku: 'LS-L', label: 'L', attributes: { size: 'L' }, price: '40.00', stock: 1 },
  ],
}

/** A product resource in memory that keeps a version, as the products service does: a write sent with a
 * stale If-Match is 412 and changes nothing; every write answers the next version. */
function fakeShop({ refuse = {} } = {}) {
  const shop = { version: 1, calls: [], product: structuredClone(DETAIL), nextId: 10 }
  const etag = () => `"v${shop.version}"`
  const write = (name, sentEtag, apply) => {
    shop.calls.push(`${name} ${sentEtag}`)
    if (sentEtag !== etag()) return Promise.reject(problem(412, 'version_conflict'))
    if (refuse[name]) return Promise.reject(refuse[name])
    const data = apply()
    shop.version += 1
    return Promise.resolve({ data, etag: etag() })
  }
  shop.api = {
    products: {
      create: (body) => {
        shop.calls.push('create product')
        return Promise.resolve({ data: { ...body, slug: 'new', variants: body.variants.map((v) => ({ ...v, id: shop.nextId++ })) }, etag: '"v1"' })
      },
      update: (slug, changes, sent) => write(`patch ${slug}`, sent, () => Object.assign(shop.product, changes)),
    },
    variants: {
      create: (slug, body, sent) => write(`post ${body.sku}`, sent, () => ({ ...body, id: shop.nextId++ })),
      update: (slug, id, changes, sent) => write(`patch ${id}`, sent, () => ({ ...shop.product.variants.find((v) => v.id === id), ...changes })),
      remove: (slug, id, sent) => write(`delete ${id}`, sent, () => null),
    },
  }
  return shop
}

describe('saving the product editor', () => {
  it('sends each write with the version the previous answer gave, and ends with the server\'s state', async () => {
    const shop = fakeShop()
    const form = toForm(DETAIL)
    form.name = 'Linen camp shirt'
    form.variants[0].stock = '7'
    form.variants.splice(1, 1)
    form.variants.push({ ...emptyVariant(), size: 'XL', sku: 'LS-XL', price: '41', stock: '2' })

    const result = await saveProduct(shop.api, { detail: DETAIL, etag: '"v1"', form })

    expect(shop.calls).toEqual(['patch linen-shirt "v1"', 'delete 2 "v2"', 'patch 1 "v3"', 'post LS-XL "v4"'])
    expect(result.failed).toBeNull()
    expect(result.etag).toBe('"v5"')
    expect(result.detail.name).toBe('Linen camp shirt')
    expect(result.detail.variants.map((v) => [v.id, v.sku, v.stock])).toEqual([[1, 'LS-M', 7], [10, 'LS-XL', 2]])
    expect(result.assigned).toEqual({ [form.variants[1].uid]: 10 })
  })

  it('stops at a 412 and keeps what went through, so a retry sends only the rest', async () => {
    const shop = fakeShop()
    const form = toForm(DETAIL)
    form.variants[0].stock = '7'
    form.variants.push({ ...emptyVariant(), sku: 'LS-XL', price: '41', stock: '2' })
    const first = await saveProduct(shop.api, { detail: DETAIL, etag: '"v1"', form })
    expect(first.failed).toBeNull()

    // someone else saves meanwhile: our version is stale
    shop.version += 1
    const again = withAssignedIds(form, first.assigned)
    again.variants[1].stock = '3'
    again.variants[0].label = 'Medium'
    const stale = await saveProduct(shop.api, { detail: first.detail, etag: first.etag, form: again })
    expect(stale.failed.problem.code).toBe('version_conflict')
    expect(stale.failed.call).toMatchObject({ kind: 'update', id: 1 })
    expect(stale.detail).toEqual(first.detail) // nothing was applied
    expect(shop.calls.slice(-1)).toEqual(['patch 1 "v3"'])
    expect(shop.calls.filter((c) => c.startsWith('post'))).toHaveLength(1) // the new variant was not made twice
  })

  it('stops at a refusal midway; what was done before it is in the detail it returns', async () => {
    const refusal = Object.assign(problem(422, 'validation_error'), { errors: { json: { price: ['Not a valid number.'] } } })
    const shop = fakeShop({ refuse: { 'post LS-BAD': refusal } })
    const form = toForm(DETAIL)
    form.variants[1].stock = '9'
    const bad = { ...emptyVariant(), sku: 'LS-BAD', price: '4', stock: '1' }
    form.variants.push(bad)
    const result = await saveProduct(shop.api, { detail: DETAIL, etag: '"v1"', form })
    expect(result.failed).toMatchObject({ call: { kind: 'create', uid: bad.uid }, problem: refusal })
    expect(result.detail.variants.find((v) => v.id === 2).stock).toBe(9)
    expect(result.etag).toBe('"v2"')
  })

  it('creates a new product in one call and learns its variants\' ids', async () => {
    const shop = fakeShop()
    const form = emptyForm()
    Object.assign(form, { name: 'Hat', category: 'hats' })
    Object.assign(form.variants[0], { sku: 'HAT', price: '5', stock: '1' })
    const result = await saveProduct(shop.api, { detail: null, etag: null, form })
    expect(shop.calls).toEqual(['create product'])
    expect(result).toMatchObject({ etag: '"v1"', failed: null, assigned: { [form.variants[0].uid]: 10 } })
  })
})

describe('the catalogue API module', () => {
  it('sends If-Match with the held version and hands back the answer\'s ETag; a 412 is version_conflict', async () => {
    const seen = []
    const adapter = async (config) => {
      seen.push([config.method, config.url, config.headers['If-Match'] ?? null])
      if (config.headers['If-Match'] === '"old"') {
        const body = { status: 412, code: 'version_conflict', title: 'Precondition Failed', detail: 'changed' }
        throw new AxiosError('412', 'ERR_BAD_REQUEST', config, {}, { data: body, status: 412, headers: {}, config })
      }
      return { data: { slug: 'linen-shirt' }, status: 200, headers: { etag: '"new"' }, config, request: {} }
    }
    const { createCatalogueApi } = await import('./api')
    const api = createCatalogueApi(createHttp({ tokens: createTokenStore(memoryStorage(), null), adapter }))

    expect(await api.products.update('linen-shirt', { name: 'x' }, '"v1"')).toEqual({ data: { slug: 'linen-shirt' }, etag: '"new"' })
    const refused = await api.variants.remove('linen-shirt', 3, '"old"').catch((p) => p)
    expect([refused.status, refused.code]).toEqual([412, 'version_conflict'])
    await api.products.remove('linen-shirt', null)
    await api.categories.update('shirts', { name: 'x' }, 'W/"v9"') // weakened by the gateway's gzip: sent as read
    expect(seen).toEqual([
      ['patch', '/products/linen-shirt/', '"v1"'], ['delete', '/products/linen-shirt/variants/3/', '"old"'],
      ['delete', '/products/linen-shirt/', null], ['patch', '/categories/shirts/', 'W/"v9"']])
  })
})
