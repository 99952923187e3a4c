import { describe, expect, it } from 'vitest'
import { createMemoryHistory } from 'vue-router'

import { createAppRouter, routes } from '@/router'

import paths from './paths.json'

/** Every address the router has a page at: leaf records with their parents' paths, each with its meta. */
function addresses(records, parent = { path: '', meta: {} }) {
  return records.flatMap((record) => {
    const path = record.path.startsWith('/') ? record.path : `${parent.path}/${record.path}`.replace(/\/$/, '')
    const meta = { ...parent.meta, ...record.meta }
    if (record.children) return addresses(record.children, { path, meta })
    return [{ path: path || '/', meta, name: record.name }]
  })
}

// a catch-all is the not-found page (the storefront's, the back office's): what only it matches is a 404
const pages = addresses(routes).filter(({ path }) => !path.includes('pathMatch'))
const listed = new Map(paths.paths.map((entry) => [entry.path, entry]))

describe('paths.json, the storefront addresses the gateway knows', () => {
  it('lists exactly the paths of the router', () => {
    expect([...listed.keys()].sort()).toEqual(pages.map(({ path }) => path).sort())
  })

  it('keeps pages that ask to sign in away from crawlers', () => {
    const signedIn = pages.filter(({ meta }) => meta.auth).map(({ path }) => path)
    expect(signedIn.length).toBeGreaterThan(5)
    for (const path of signedIn) expect(listed.get(path).crawl, path).toBe(false)
  })

  it('asks only about paths whose parameters the API path takes', () => {
    for (const { path, exists } of paths.paths.filter((entry) => entry.exists)) {
      const names = (text) => [...text.matchAll(/:(\w+)/g)].map((m) => m[1]).sort()
      expect(names(exists), path).toEqual(names(path))
      expect(paths.api.some((prefix) => exists.startsWith(prefix)), exists).toBe(true)
    }
  })

  it('resolves the addresses the router does, and an unknown one to the not-found page', () => {
    const router = createAppRouter(createMemoryHistory())
    expect(router.resolve('/products/linen-shirt').name).toBe('product')
    expect(router.resolve('/orders/12/payment').name).toBe('order-payment')
    expect(router.resolve('/orders/twelve').name).toBe('not-found')
    expect(router.resolve('/no/such/page').name).toBe('not-found')
  })
})
