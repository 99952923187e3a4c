/**
 * The shop's API (CONTRACT.md), one function per call. Every call goes through the one Axios instance
 * (`http.js`); each resolves to the answer's body and rejects with an ApiProblem.
 */
import { http } from './http'

export { ApiProblem, AUTH_CODES } from './problem'
export { tokens } from './tokens'

const body = (response) => response.data
const get = (url, config) => http.get(url, config).then(body)
const post = (url, data, config) => http.post(url, data, config).then(body)
const slug = (value) => encodeURIComponent(value)

export const auth = {
  register: (account) => post('/auth/register/', account, { skipAuth: true }),
  login: (username, password) => post('/auth/login/', { username, password }, { skipAuth: true }),
  logout: (refresh) => post('/auth/logout/', { refresh }),
  /** 202 for any well-formed email, known or not: the answer never says whether it has an account. */
  requestPasswordReset: (email) => post('/auth/password-reset/', { email }, { skipAuth: true }),
  /** `token` from the emailed link; every session of the account ends. */
  confirmPasswordReset: (token, password) => post('/auth/password-reset/confirm/', { token, password }, { skipAuth: true }),
  /** Sent with the access token when there is one: a link of another account is refused then. */
  verifyEmail: (token) => post('/auth/verify-email/', { token }),
  resendVerification: () => post('/auth/verify-email/resend/'),
}

export const users = {
  profile: () => get('/users/profile/'),
  updateProfile: (changes) => http.patch('/users/profile/', changes).then(body),
  /** A new token pair for this session; every other session of the account ends. */
  changePassword: (currentPassword, newPassword) =>
    post('/users/password/', { current_password: currentPassword, new_password: newPassword }),
}

/** The address book: the default first, then the newest. An address has the order's shipping fields. */
export const addresses = {
  list: () => get('/users/addresses/'),
  create: (address) => post('/users/addresses/', address),
  update: (id, changes) => http.patch(`/users/addresses/${id}/`, changes).then(body),
  remove: (id) => http.delete(`/users/addresses/${id}/`).then(body),
}

/** The public catalogue, read without the token: the answers a guest gets, in the UI's language, which the
 * browser may keep a second (a staff member's token would read the product as the back office edits it). */
export const catalogue = {
  categories: (config) => get('/categories/', { ...config, skipAuth: true }),
  /** `params`: page, page_size, category, search, min_price, max_price, in_stock, size, color, ordering */
  products: (params, config) => get('/products/', { ...config, params, skipAuth: true }),
  /** `params`: the list's filters (size and color as comma lists): counts of each facet's values */
  facets: (params, config) => get('/products/facets/', { ...config, params, skipAuth: true }),
  product: (productSlug, config) => get(`/products/${slug(productSlug)}/`, { ...config, skipAuth: true }),
}

export const cart = {
  get: () => get('/cart/'),
  /** `key` is the add's Idempotency-Key: the same add sent again with it adds nothing twice. */
  add: ({ productId, variantId, quantity = 1 }, key) =>
    post('/cart/add/', { product_id: productId, ...(variantId ? { variant_id: variantId } : {}), quantity },
      { headers: { 'Idempotency-Key': key } }),
  update: (itemId, quantity) => http.patch(`/cart/update/${itemId}/`, { quantity }).then(body),
  remove: (itemId) => http.delete(`/cart/delete/${itemId}/`).then(body),
  clear: () => post('/cart/clear/'),
}

export const orders = {
  /** `key` is the checkout attempt's Idempotency-Key: the same key and body never make a second order. */
  create: (order, key) => post('/order/create/', order, { headers: { 'Idempotency-Key': key } }),
  list: (params) => get('/order/list/', { params }),
  get: (id) => get(`/order/${id}/`),
  cancel: (id) => post(`/order/${id}/cancel/`),
}

export const payments = {
  /** `{methods: ['cash_on_delivery', 'card'?], provider}`: `card` only when the shop has a provider. */
  methods: (config) => get('/payments/methods/', { ...config, skipAuth: true }),
}
