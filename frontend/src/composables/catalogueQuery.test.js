import { describe, expect, it } from 'vitest'

import { parseQuery, toApiParams, toQuery, withChanges } from '@/composables/catalogueQuery'

describe('the catalogue in the URL', () => {
  it('reads every filter from the query, ignoring what is malformed', () => {
    expect(parseQuery({ category: 'knitwear', q: ' wool ', min: '20', max: '99.5', stock: '1', sort: '-price', page: '3' }))
      .toEqual({ category: 'knitwear', search: 'wool', min: '20', max: '99.5', inStock: true, sort: '-price', page: 3 })
    expect(parseQuery({ min: 'abc', max: '1.234', sort: 'DROP', page: '-2', stock: 'yes' }))
      .toEqual({ category: '', search: '', min: '', max: '', inStock: false, sort: '', page: 1 })
  })

  it('writes only what differs from the defaults, and reads back the same', () => {
    const filters = { category: 'footwear', search: '', min: '', max: '200', inStock: true, sort: 'price', page: 2 }
    const query = toQuery(filters)
    expect(query).toEqual({ category: 'footwear', max: '200', stock: '1', sort: 'price', page: '2' })
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
})
