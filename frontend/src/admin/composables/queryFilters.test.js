import { describe, expect, it } from 'vitest'

import { ORDER_FILTERS, orderListParams } from '../orders/ordersQuery'

import { field, filtersActive, parseFilters, toFilterQuery, withFilterChanges } from './queryFilters'

describe('filters kept in the URL', () => {
  it('reads every field, and anything malformed as its default', () => {
    expect(parseFilters(ORDER_FILTERS, {
      status: 'shipped,pending,bogus', number: ' 204-118-377 ', user_id: '7', from: '2026-12-01', to: '2026-13-45',
      ordering: '-total_price', page: '3',
    })).toEqual({
      status: ['pending', 'shipped'], number: '204-118-377', user_id: 7, from: '2026-12-01', to: '',
      ordering: '-total_price', page: 3,
    })
    expect(parseFilters(ORDER_FILTERS, { user_id: '-1', ordering: 'drop', page: 'x', status: ['confirmed', 'cancelled'] }))
      .toEqual({ status: ['confirmed', 'cancelled'], number: '', user_id: null, from: '', to: '', ordering: '-created_at', page: 1 })
  })

  it('writes only what differs from the defaults', () => {
    const values = { ...parseFilters(ORDER_FILTERS, {}), status: ['pending'], page: 1 }
    expect(toFilterQuery(ORDER_FILTERS, values)).toEqual({ status: 'pending' })
    expect(toFilterQuery(ORDER_FILTERS, parseFilters(ORDER_FILTERS, {}))).toEqual({})
  })

  it('goes back to page 1 when a filter changes, keeps the page when only it changes, and keeps other keys', () => {
    const query = { status: 'pending', page: '4', tab: 'x' }
    expect(withFilterChanges(ORDER_FILTERS, query, { number: '204118377' }))
      .toEqual({ tab: 'x', status: 'pending', number: '204118377' })
    expect(withFilterChanges(ORDER_FILTERS, query, { page: 5 })).toEqual({ tab: 'x', status: 'pending', page: '5' })
  })

  it('knows when a filter is on (the page and the ordering do not count)', () => {
    expect(filtersActive(ORDER_FILTERS, parseFilters(ORDER_FILTERS, { page: '3', ordering: 'total_price' }))).toBe(false)
    expect(filtersActive(ORDER_FILTERS, parseFilters(ORDER_FILTERS, { user_id: '3' }))).toBe(true)
  })

  it('reads booleans as 1 and 0, anything else as unset', () => {
    const fields = { active: field.bool() }
    expect([{ active: '1' }, { active: '0' }, { active: 'yes' }, {}].map((q) => parseFilters(fields, q).active))
      .toEqual([true, false, null, null])
    expect(toFilterQuery(fields, { active: false })).toEqual({ active: '0' })
  })

  it('asks the API for the staff member’s own days, as instants', () => {
    const params = orderListParams(parseFilters(ORDER_FILTERS, { from: '2026-12-01', to: '2026-12-03', status: 'pending,confirmed' }))
    expect(params.created_after).toBe(new Date(2026, 11, 1, 0, 0, 0).toISOString())
    expect(params.created_before).toBe(new Date(2026, 11, 3, 23, 59, 59, 999).toISOString())
    expect(params.status).toEqual(['pending', 'confirmed'])
    expect(params).not.toHaveProperty('ordering') // the default is the API's own
  })
})
