import { describe, expect, it } from 'vitest'

import { parseQuery, toApiParams, toFilterParams, toggled, toQuery, withChanges } from '@/composables/catalogueQuery'

describe('the catalogue in the URL', () => {
  it('reads every filter from the query, ignoring what is malformed', () => {
    expect(parseQuery({ category: 'knitwear', q: ' wool ', min: '20', max: '99.5', stock: '1', sort: '-price', page: '3' }))
      .toEqual({ category: 'knitwear', search: 'wool', min: '20', max: '99.5', inStock: true, sizes: [], colors: [], sort: '-price',
        page: 3 })
    expect(parseQuery({ min: 'abc', max: '1.234', sort: 'DROP', page: '-2', stock: 'yes' }))
      .toEqual({ category: '', search: '', min: '', max: '', inStock: false, sizes: [], colors: [], sort: '', page: 1 })
  })

  it('writes only what differs from the defaults, and reads back the same', () => {
    const filters = { category: 'footwear', search: '', min: '', max: '200', inStock: true, sizes: ['42', '43'], colors: ['Navy'],
      sort: 'price', page: 2 }
    const query = toQuery(filters)
    expect(query).toEqual({ category: 'footwear', max: '200', stock: '1', size: '42,43', color: 'Navy', sort: 'price', page: '2' })
    expect(parseQuery(query)).toEqual(filters)
  })

  it('goes back to page 1 when a filter changes, not when the page does', () => {
    expect(withChanges({ category: 'knitwear', page: '3' }, { sort: 'name' })).toEqual({ category: 'knitwear', sort: 'name' })
    expect(withChanges({ category: 'knitwear', page: '3' }, { page: 4 })).toEqual({ category: 'knitwear', page: '4' })
  })

  it('asks the API in its own words', () => {
    expect(toApiParams(parseQuery({ q: 'shirt', min: '10', stock: '1', sort: '-created_at' }))).toEqual({
      page: 1, page_size: 12, search: 'shirt', min_price: '10', in_stock: true, ordering: '-created_at',
    })
  })

  it('reads sizes and colours as comma lists or repeated, trimmed, unique and sorted', () => {
    expect(parseQuery({ size: ['M, L', 'M'], color: ',Navy,,' })).toMatchObject({ sizes: ['L', 'M'], colors: ['Navy'] })
    expect(parseQuery({ size: Array.from({ length: 40 }, (_, i) => String(i)).join(',') }).sizes).toHaveLength(30)
  })

  it('gives the facets the list’s filters without paging or ordering', () => {
    const filters = parseQuery({ q: 'shirt', size: 'M,L', color: 'Navy', sort: 'price', page: '2' })
    expect(toFilterParams(filters)).toEqual({ search: 'shirt', size: 'L,M', color: 'Navy' })
    expect(toApiParams(filters)).toEqual({ page: 2, page_size: 12, search: 'shirt', size: 'L,M', color: 'Navy', ordering: 'price' })
  })

  it('toggles a value of a facet', () => {
    expect(toggled(['M'], 'L')).toEqual(['L', 'M'])
    expect(toggled(['L', 'M'], 'L')).toEqual(['M'])
  })
})
