/**
 * The catalogue's state lives in the URL query, so that a link or the back button restores it:
 * `?category=knitwear&q=wool&min=20&max=100&stock=1&size=M,L&color=Navy&sort=-price&page=2`. These functions
 * translate between that query, the filters the page shows, and the API's parameters (CONTRACT.md:
 * GET /api/products/, and GET /api/products/facets/ that takes the same filters).
 */
export const SORTS = ['', '-created_at', 'price', '-price', 'name', '-name']
export const PAGE_SIZE = 12

const PRICE = /^\d{1,9}(\.\d{1,2})?$/
/** the most values of one facet the API takes (size, color) */
export const MAX_VALUES = 30

function one(value) {
  return Array.isArray(value) ? value[0] : value
}

function text(value, max = 100) {
  const s = one(value)
  return typeof s === 'string' ? s.trim().slice(0, max) : ''
}

/** A facet's values from the URL (`M,L`, or the parameter repeated): trimmed, unique, sorted, at most 30. */
function values(value) {
  const all = (Array.isArray(value) ? value : [value]).filter((v) => typeof v === 'string')
  const parts = all.flatMap((v) => v.split(',')).map((v) => v.trim().slice(0, 50)).filter(Boolean)
  return [...new Set(parts)].sort().slice(0, MAX_VALUES)
}

export function parseQuery(query = {}) {
  const page = Number.parseInt(one(query.page), 10)
  const min = text(query.min, 12)
  const max = text(query.max, 12)
  const sort = text(query.sort, 20)
  return {
    category: text(query.category),
    search: text(query.q),
    min: PRICE.test(min) ? min : '',
    max: PRICE.test(max) ? max : '',
    inStock: one(query.stock) === '1',
    sizes: values(query.size),
    colors: values(query.color),
    sort: SORTS.includes(sort) ? sort : '',
    page: Number.isFinite(page) && page > 1 ? page : 1,
  }
}

/** The URL query for `filters`: only what differs from the defaults, in a stable order. */
export function toQuery(filters) {
  const query = {}
  if (filters.category) query.category = filters.category
  if (filters.search) query.q = filters.search
  if (filters.min) query.min = filters.min
  if (filters.max) query.max = filters.max
  if (filters.inStock) query.stock = '1'
  if (filters.sizes?.length) query.size = filters.sizes.join(',')
  if (filters.colors?.length) query.color = filters.colors.join(',')
  if (filters.sort) query.sort = filters.sort
  if (filters.page > 1) query.page = String(filters.page)
  return query
}

/** The API's filters (the list's and its facets'): no paging, no ordering. */
export function toFilterParams(filters) {
  const params = {}
  if (filters.category) params.category = filters.category
  if (filters.search) params.search = filters.search
  if (filters.min) params.min_price = filters.min
  if (filters.max) params.max_price = filters.max
  if (filters.inStock) params.in_stock = true
  if (filters.sizes?.length) params.size = filters.sizes.join(',')
  if (filters.colors?.length) params.color = filters.colors.join(',')
  return params
}

export function toApiParams(filters) {
  const params = { page: filters.page, page_size: PAGE_SIZE, ...toFilterParams(filters) }
  if (filters.sort) params.ordering = filters.sort
  return params
}

/** `values` with `value` added, or taken out if it was there (a facet's checkbox). */
export function toggled(values, value) {
  return values.includes(value) ? values.filter((v) => v !== value) : [...values, value].sort()
}

/** The query after changing some filters: any change but the page itself goes back to page 1. */
export function withChanges(query, changes) {
  const filters = { ...parseQuery(query), ...changes }
  if (!('page' in changes)) filters.page = 1
  return toQuery(filters)
}

export function isPrice(value) {
  return value === '' || PRICE.test(value)
}

/** The catalogue's canonical address for `filters` (its `<link rel="canonical">`): the category, search and page
 * alone, since a price range, the stock filter or a sort shows the same products cut another way. */
export function canonicalPath(filters) {
  const query = new URLSearchParams(toQuery({ category: filters.category, search: filters.search, page: filters.page }))
  return query.size ? `/?${query}` : '/'
}
