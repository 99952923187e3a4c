import { field } from '../composables/queryFilters'

/** The statuses of an order (CONTRACT.md), in the order an order goes through them. */
export const STATUSES = ['pending', 'awaiting_payment', 'confirmed', 'shipped', 'delivered', 'cancelled']
export const ORDERINGS = ['-created_at', 'created_at', '-total_price', 'total_price']
export const ORDERS_PAGE_SIZE = 20

/** The orders table's filters, as they are kept in the URL: `?status=pending,confirmed&number=204118377
 * &user_id=7&from=2026-12-01&to=2026-12-03&ordering=-total_price&page=2`. */
export const ORDER_FILTERS = {
  status: field.list(STATUSES),
  number: field.text(20),
  user_id: field.id(),
  from: field.date(),
  to: field.date(),
  ordering: field.choice(ORDERINGS),
  page: field.page(),
}

/** A calendar day in the staff member's own time zone, YYYY-MM-DD. */
export function localDay(date = new Date()) {
  const pad = (n) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
}

/** The Monday of `date`'s week, as a local day. */
export function weekStart(date = new Date()) {
  const monday = new Date(date)
  monday.setDate(date.getDate() - ((date.getDay() + 6) % 7))
  return localDay(monday)
}

/** The API's parameters for the filters: days are the staff member's days (from its first to its last
 * moment in their time zone), sent as instants. */
export function orderListParams(filters, { pageSize = ORDERS_PAGE_SIZE } = {}) {
  const params = { page: filters.page ?? 1, page_size: pageSize }
  if (filters.status?.length) params.status = filters.status
  if (filters.number) params.number = filters.number
  if (filters.user_id) params.user_id = filters.user_id
  if (filters.from) params.created_after = new Date(`${filters.from}T00:00:00`).toISOString()
  if (filters.to) params.created_before = new Date(`${filters.to}T23:59:59.999`).toISOString()
  if (filters.ordering && filters.ordering !== ORDERINGS[0]) params.ordering = filters.ordering
  return params
}
