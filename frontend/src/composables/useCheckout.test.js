import { beforeEach, describe, expect, it, vi } from 'vitest'

import { orders } from '@/api'
import { newKey } from '@/composables/idempotency'
import { useCheckout } from '@/composables/useCheckout'
import { problem } from '@/test/helpers'

vi.mock('@/api', () => ({ orders: { create: vi.fn() } }))

const body = { shipping: { full_name: 'Ada Lovelace', phone: '+44 20 7946 0958', address_line: '12 St James', city: 'London',
  postal_code: 'SW1Y 4JH', country: 'United Kingdom' } }

describe('placing an order', () => {
  beforeEach(() => vi.clearAllMocks())

  it('sends the same Idempotency-Key when the same attempt is retried', async () => {
    const { place } = useCheckout()
    orders.create.mockRejectedValueOnce(problem(0, 'network_error'))
    orders.create.mockRejectedValueOnce(problem(503, 'products_unavailable'))
    orders.create.mockRejectedValueOnce(problem(409, 'idempotency_key_in_use'))
    orders.create.mockResolvedValueOnce({ id: 7, number: '204-118-377' })
    for (let i = 0; i < 3; i += 1) await expect(place(body)).rejects.toBeTruthy()
    expect(await place(body)).toEqual({ id: 7, number: '204-118-377' })
    const keys = orders.create.mock.calls.map((call) => call[1])
    expect(new Set(keys).size).toBe(1)
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it('starts a new attempt when the form changed, after a refusal, and after an order', async () => {
    const { place } = useCheckout()
    orders.create.mockRejectedValueOnce(problem(0, 'network_error'))
    await expect(place(body)).rejects.toBeTruthy()
    orders.create.mockRejectedValueOnce(problem(409, 'insufficient_stock', { lines: [] }))
    await expect(place({ ...body, comment: 'ring twice' })).rejects.toBeTruthy()
    orders.create.mockResolvedValueOnce({ id: 8 })
    await place({ ...body, comment: 'ring twice' })
    orders.create.mockResolvedValueOnce({ id: 9 })
    await place({ ...body, comment: 'ring twice' })
    const keys = orders.create.mock.calls.map((call) => call[1])
    expect(new Set(keys).size).toBe(4)
  })

  it('makes a v4 UUID without crypto.randomUUID too (pages outside a secure context)', () => {
    const original = globalThis.crypto.randomUUID
    Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true })
    try {
      expect(newKey()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    } finally {
      Object.defineProperty(globalThis.crypto, 'randomUUID', { value: original, configurable: true })
    }
  })
})
