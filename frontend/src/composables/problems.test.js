import { describe, expect, it } from 'vitest'

import { ApiProblem } from '@/api/problem'
import { problemMessage } from '@/composables/problems'

const p = (code, extra = {}) => new ApiProblem({ status: 409, code, detail: `${code}: detail`, body: { code, ...extra }, ...extra })

describe('what the shopper is told', () => {
  it('is the text of the code, with the fields of the problem', () => {
    expect(problemMessage(p('insufficient_stock', { available: 2 }))).toBe('Not enough in stock: only 2 left.')
    expect(problemMessage(p('insufficient_stock', { lines: [] }))).toMatch(/no longer in stock/)
    expect(problemMessage(new ApiProblem({ status: 429, code: 'login_throttled', retryAfter: 30 })))
      .toBe('Too many sign-in attempts. Try again in 30 seconds.')
  })

  it("is the server's own words for a code the shop does not know", () => {
    expect(problemMessage(p('brand_new_code'))).toBe('brand_new_code: detail')
    expect(problemMessage(new ApiProblem({ status: 502, code: 'http_502' }))).toMatch(/cannot be reached/)
  })
})
