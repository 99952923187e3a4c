import { field } from '../composables/queryFilters'

export const CUSTOMER_ORDERINGS = ['-date_joined', 'date_joined', 'username', '-username']
export const CUSTOMERS_PAGE_SIZE = 20

/** The customers table's filters in the URL: `?q=ada&active=0&verified=1&ordering=username&page=2`. */
export const CUSTOMER_FILTERS = {
  q: field.text(100),
  active: field.bool(),
  verified: field.bool(),
  ordering: field.choice(CUSTOMER_ORDERINGS),
  page: field.page(),
}

export function customerListParams(filters) {
  const params = { page: filters.page, page_size: CUSTOMERS_PAGE_SIZE }
  if (filters.q) params.search = filters.q
  if (filters.active !== null) params.is_active = filters.active
  if (filters.verified !== null) params.email_verified = filters.verified
  if (filters.ordering !== CUSTOMER_ORDERINGS[0]) params.ordering = filters.ordering
  return params
}
