/**
 * The back office's staff calls of orders, users and stock (API.md), through the shop's one Axios instance
 * like src/api/index.js: each resolves to the answer's body and rejects with an ApiProblem. The catalogue's
 * staff calls are in catalogue/api.js.
 */
import { http } from '@/api/http'

const body = (response) => response.data
const get = (url, config) => http.get(url, config).then(body)
const post = (url, data, config) => http.post(url, data, config).then(body)
const slug = (value) => encodeURIComponent(value)

/** Several statuses go comma-separated (Axios would send an array as `status[]=…`). */
const statusParam = ({ status, ...params } = {}) => (status?.length ? { ...params, status: [].concat(status).join(',') } : params)

export const staffOrders = {
  /** `params`: page, page_size, status (a list), number, user_id, created_after, created_before, ordering */
  list: (params, config) => get('/order/all/', { ...config, params: statusParam(params) }),
  get: (id, config) => get(`/order/${id}/`, config),
  /** Move to one of the order's `next_statuses`; the customer is emailed. */
  move: (id, status) => post(`/order/${id}/status/`, { status }),
  cancel: (id) => post(`/order/${id}/cancel/`),
}

export const staffUsers = {
  /** `params`: search, page, page_size, is_active, email_verified, ordering */
  list: (params, config) => get('/users/', { ...config, params }),
  get: (id, config) => get(`/users/${id}/`, config),
  /** Every session of the account ends at once. */
  deactivate: (id) => post(`/users/${id}/deactivate/`),
  activate: (id) => post(`/users/${id}/activate/`),
}

export const staffStock = {
  /** Products with a variant whose stock is below `below`, each with its `low_variants`. */
  low: (below, params, config) => get('/products/', { ...config, params: { ...params, stock_below: below } }),
  /** Set one variant's stock (`If-Match` only with the product detail's ETag, which the caller may not have). */
  set: (productSlug, variantId, stock, { etag } = {}) =>
    http.patch(`/products/${slug(productSlug)}/variants/${variantId}/`, { stock },
      etag ? { headers: { 'If-Match': etag } } : undefined).then(body),
}
