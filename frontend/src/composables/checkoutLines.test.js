import { describe, expect, it } from 'vitest'

import { checkoutLines } from '@/composables/checkoutLines'

const line = (id, quantity, stock, price = '10.00') => ({ id, quantity, stock, unit_price: price, line_total: '0' })

describe('what checkout can order', () => {
  it('is every line, when there is enough of each', () => {
    const { total, count, unavailable, fixes } = checkoutLines([line(1, 2, 5, '19.90'), line(2, 1, 1)])
    expect([total, count, unavailable, fixes]).toEqual(['49.80', 3, [], []])
  })

  it('leaves a sold-out line out of the total, and cuts a short one to what is left', () => {
    const { lines, total, count, unavailable, fixes } = checkoutLines([line(1, 2, 0, '68.00'), line(2, 5, 1), line(3, 1, 9)])
    expect(lines.map((l) => [l.soldOut, l.short, l.orderable])).toEqual([[true, false, 0], [false, true, 1], [false, false, 1]])
    expect(total).toBe('20.00')
    expect(count).toBe(2)
    expect(unavailable.map((l) => l.id)).toEqual([1, 2])
    expect(fixes).toEqual([{ id: 1, quantity: 0 }, { id: 2, quantity: 1 }])
  })

  it('orders nothing when everything sold out', () => {
    const { total, count } = checkoutLines([line(1, 1, 0)])
    expect([total, count]).toEqual(['0.00', 0])
  })
})
