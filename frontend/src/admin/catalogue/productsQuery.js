/**
 * The products table's filters in the URL (`?q=&category=&stock=1&min=&max=&low=5&ordering=&page=`), read
 * and written with the back office's queryFilters, and the list call's parameters they make
 * (GET /api/products/, plus the staff's `stock_below`).
 */
import { field } from '../composables/queryFilters'

export const PAGE_SIZE = 20
export const ORDERINGS = ['', '-created_at', 'name', '-name', 'price', '-price']
/** the "below" of the low-stock filter when it is first turned on */
export const LOW_STOCK_DEFAULT = 5
const MAX_LOW = 1_000_000

const PRICE = /^\d{1,9}(\.\d{1,2})?$/
const price = () => ({ empty: '', parse: (raw) => (PRICE.test(field.text(12).parse(raw)) ? field.text(12).parse(raw) : ''), format: (v) => v })
const low = () => ({
  empty: null,
  parse: (raw) => {
    const n = Number.parseInt(field.text(8).parse(raw), 10)
    return Number.isFinite(n) && n >= 1 ? Math.min(n, MAX_LOW) : null
  },
  format: (v) => (v ? String(v) : ''),
})

export const PRODUCT_FILTERS = {
  q: field.text(200),
  category: field.text(120),
  stock: field.bool(),
  min: price(),
  max: price(),
  low: low(),
  ordering: field.choice(ORDERINGS),
  page: field.page(),
}

export const isPrice = (value) => value === '' || PRICE.test(value)

/** The list call's parameters for `filters`. */
export function toListParams(filters) {
  const params = { page: filters.page, page_size: PAGE_SIZE }
  if (filters.q) params.search = filters.q
  if (filters.category) params.category = filters.category
  if (filters.stock !== null) params.in_stock = filters.stock
  if (filters.min) params.min_price = filters.min
  if (filters.max) params.max_price = filters.max
  if (filters.low) params.stock_below = filters.low
  if (filters.ordering) params.ordering = filters.ordering
  return params
}

/** A query error of the list (422 `errors.query`) at the filter it is about. */
export const QUERY_FIELDS = { search: 'q', category: 'category', min_price: 'min', max_price: 'max', stock_below: 'low', in_stock: 'stock' }
