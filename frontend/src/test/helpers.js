import { ApiProblem } from '@/api/problem'

/** A Storage in memory (what localStorage offers, for token stores of tests). */
export function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(initial))
  return {
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => data.set(k, String(v)),
    removeItem: (k) => data.delete(k),
  }
}

/** A promise with its resolve and reject, to hold a fake server's answer until the test lets it go. */
export function deferred() {
  let resolve
  let reject
  const promise = new Promise((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

export function problem(status, code, extra = {}) {
  return new ApiProblem({ status, code, title: 'x', detail: `${code} detail`, body: { status, code, ...extra }, ...extra })
}

export const flush = () => new Promise((resolve) => setTimeout(resolve, 0))
