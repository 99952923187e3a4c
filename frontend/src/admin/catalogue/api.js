/**
 * The staff's catalogue calls (API.md, "products"), through the one Axios instance (`@/api/http`), so the
 * token, its refresh and ApiProblem come with them. A write to a product or a category sends `If-Match`
 * with the version the caller holds (its detail's `ETag`), and every answer that has one gives back the
 * next: `{data, etag}`. A stale version is refused with 412 `version_conflict` and changes nothing.
 */
import { http as shared } from '@/api/http'

const path = (value) => encodeURIComponent(value)
const productUrl = (slug) => `/products/${path(slug)}/`
const categoryUrl = (slug) => `/categories/${path(slug)}/`

/** `If-Match` when a version is held, as it was read (the gateway's gzip may have marked it weak: the
 * products service matches it all the same); without one the server does not check (a delete from the list). */
export const ifMatch = (etag) => ({ headers: etag ? { 'If-Match': etag } : {} })

/** The body and the version an answer carries (`etag` null when it has none). */
export const versioned = (response) => ({ data: response.data ?? null, etag: response.headers?.etag ?? null })

/** The calls, over `http` (the shop's one instance, or a test's own). */
export function createCatalogueApi(http) {
  const read = (response) => response.data
  return {
    products: {
      /** A page of products; `params` as the public list takes them, plus the staff's `stock_below`. */
      list: (params, config) => http.get('/products/', { ...config, params }).then(read),
      get: (slug, config) => http.get(productUrl(slug), config).then(versioned),
      create: (body) => http.post('/products/', body).then(versioned),
      update: (slug, changes, etag) => http.patch(productUrl(slug), changes, ifMatch(etag)).then(versioned),
      remove: (slug, etag) => http.delete(productUrl(slug), ifMatch(etag)).then(versioned),
      /** The photos' new order: exactly the product's photo ids, each once. */
      reorderImages: (slug, ids, etag) => http.patch(productUrl(slug), { images: ids }, ifMatch(etag)).then(versioned),
    },
    variants: {
      create: (slug, body, etag) => http.post(`${productUrl(slug)}variants/`, body, ifMatch(etag)).then(versioned),
      update: (slug, id, changes, etag) =>
        http.patch(`${productUrl(slug)}variants/${id}/`, changes, ifMatch(etag)).then(versioned),
      remove: (slug, id, etag) => http.delete(`${productUrl(slug)}variants/${id}/`, ifMatch(etag)).then(versioned),
    },
    images: {
      /** Upload one file (multipart field `file`); `onProgress(fraction)` hears how much of it is sent. */
      upload(slug, file, etag, { onProgress, signal } = {}) {
        const form = new FormData()
        form.append('file', file, file.name)
        return http.post(`${productUrl(slug)}images/`, form, {
          ...ifMatch(etag),
          signal,
          timeout: 0, // a large photo on a slow line takes what it takes; the user can cancel it
          onUploadProgress: (event) => onProgress?.(event.total ? event.loaded / event.total : (event.progress ?? 0)),
        }).then(versioned)
      },
      remove: (slug, id, etag) => http.delete(`${productUrl(slug)}images/${id}/`, ifMatch(etag)).then(versioned),
    },
    categories: {
      list: (config) => http.get('/categories/', config).then(read),
      get: (slug, config) => http.get(categoryUrl(slug), config).then(versioned),
      create: (body) => http.post('/categories/', body).then(versioned),
      update: (slug, changes, etag) => http.patch(categoryUrl(slug), changes, ifMatch(etag)).then(versioned),
      remove: (slug, etag) => http.delete(categoryUrl(slug), ifMatch(etag)).then(versioned),
    },
  }
}

export const { products, variants, images, categories } = createCatalogueApi(shared)
