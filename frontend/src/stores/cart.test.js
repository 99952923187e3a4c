import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'

import { cart as cartApi, tokens } from '@/api'
import { useCartStore } from '@/stores/cart'
import { useUiStore } from '@/stores/ui'
import { deferred, flush, problem } from '@/test/helpers'

vi.mock('@/api', async () => {
  const { createTokenStore } = await import('@/api/tokens')
  const { memoryStorage } = await import('@/test/helpers')
  return {
    tokens: createTokenStore(memoryStorage(), null),
    cart: { get: vi.fn(), add: vi.fn(), update: vi.fn(), remove: vi.fn(), clear: vi.fn() },
    auth: { login: vi.fn(), register: vi.fn(), logout: vi.fn() },
    users: { profile: vi.fn(), updateProfile: vi.fn() },
  }
})

function line(id, { quantity = 1, price = '10.00', stock = 5, variant = id * 10 } = {}) {
  const cents = Math.round(Number(price) * 100) * quantity
  return {
    id, product_id: id, variant_id: variant, slug: `p${id}`, name: `Product ${id}`, label: 'M', image: '/x.svg',
    unit_price: price, quantity, line_total: (cents / 100).toFixed(2), stock,
  }
}

function serverCart(...lines) {
  const cents = lines.reduce((s, l) => s + Math.round(Number(l.line_total) * 100), 0)
  return {
    items: lines, total_quantity: lines.reduce((s, l) => s + l.quantity, 0), total_price: (cents / 100).toFixed(2),
    currency: 'USD', stale: false,
  }
}

describe('cart store', () => {
  let cart
  let ui

  beforeEach(async () => {
    setActivePinia(createPinia())
    vi.clearAllMocks()
    tokens.set({ access: 'a1', refresh: 'r1' })
    cart = useCartStore()
    ui = useUiStore()
    cartApi.get.mockResolvedValue(serverCart(line(1, { quantity: 1, price: '68.00', stock: 3 }), line(2, { quantity: 2 })))
    await cart.load()
  })

  it('says nothing of its own when loading fails because the session ended', async () => {
    cartApi.get.mockImplementationOnce(async () => {
      tokens.clear('expired')
      throw problem(401, 'token_revoked')
    })
    await cart.load()
    // the session store opens the sign-in, saying why; the cart adds nothing
    expect(ui.toasts).toEqual([])
    expect(ui.auth).toEqual({ mode: 'signin', reason: 'expired' })
    tokens.set({ access: 'a2', refresh: 'r2' })
    cartApi.get.mockRejectedValueOnce(problem(503, 'cart_unavailable'))
    await cart.load()
    expect(ui.toasts.map((t) => t.tone)).toEqual(['danger'])
  })

  it('shows a quantity change at once and keeps the server answer', async () => {
    const answer = deferred()
    cartApi.update.mockReturnValue(answer.promise)

    const done = cart.setQuantity(1, 2)
    // optimistic: line, line total and cart totals change before the server answers
    expect(cart.items[0].quantity).toBe(2)
    expect(cart.items[0].line_total).toBe('136.00')
    expect(cart.count).toBe(4)
    expect(cart.cart.total_price).toBe('156.00')
    expect(cart.busy).toBe(true)

    answer.resolve(serverCart(line(1, { quantity: 2, price: '68.00', stock: 3 }), line(2, { quantity: 2 })))
    await done
    expect(cartApi.update).toHaveBeenCalledWith(1, 2)
    expect(cart.items[0].quantity).toBe(2)
    expect(cart.busy).toBe(false)
  })

  it('rolls a change refused for another reason back and says why', async () => {
    cartApi.update.mockRejectedValue(problem(503, 'products_unavailable'))

    const done = cart.setQuantity(1, 2)
    expect(cart.items[0].quantity).toBe(2)
    expect(await done).toBe(false)

    expect(cart.items[0].quantity).toBe(1)
    expect(cart.items[0].line_total).toBe('68.00')
    expect(cart.cart.total_price).toBe('88.00')
    expect(ui.toasts).toEqual([expect.objectContaining({ message: 'We cannot check the stock right now. Please try again in a moment.', tone: 'danger' })])
    await flush()
    expect(cartApi.get).toHaveBeenCalledTimes(2) // the stock it was told is fetched again
  })

  it('gives a line what is left when stock went meanwhile, and says so beside it', async () => {
    cartApi.update.mockRejectedValueOnce(problem(409, 'insufficient_stock', { available: 2, requested: 3, in_cart: 1 }))
    cartApi.get.mockResolvedValue(serverCart(line(1, { quantity: 1, price: '68.00', stock: 2 }), line(2, { quantity: 2 })))
    cartApi.update.mockResolvedValueOnce(serverCart(line(1, { quantity: 2, price: '68.00', stock: 2 }), line(2, { quantity: 2 })))

    expect(await cart.setQuantity(1, 3)).toBe(false)
    await flush()
    await flush()
    expect(cartApi.update.mock.calls).toEqual([[1, 3], [1, 2]])
    expect(cart.items[0].quantity).toBe(2)
    expect(cart.notices[1]).toEqual({ kind: 'limited', asked: 3, n: 2 })
    expect(ui.toasts).toEqual([])
  })

  it('says a line sold out meanwhile beside it, not "only 0 left"', async () => {
    cartApi.update.mockRejectedValueOnce(problem(409, 'insufficient_stock', { available: 0, requested: 2, in_cart: 1 }))
    expect(await cart.setQuantity(1, 2)).toBe(false)
    expect(cart.notices[1]).toEqual({ kind: 'soldOut', asked: 2, n: 0 })
    expect(ui.toasts).toEqual([])
  })

  it('cuts a quantity above the stock to it, and says so', async () => {
    cartApi.update.mockResolvedValue(serverCart(line(1, { quantity: 3, price: '68.00', stock: 3 }), line(2, { quantity: 2 })))
    expect(await cart.setQuantity(1, 5)).toBe(true)
    expect(cartApi.update.mock.calls).toEqual([[1, 3]])
    expect(cart.notices[1]).toEqual({ kind: 'limited', asked: 5, n: 3 })
    // the next change of the line clears what was said
    cartApi.update.mockResolvedValue(serverCart(line(1, { quantity: 2, price: '68.00', stock: 3 }), line(2, { quantity: 2 })))
    await cart.setQuantity(1, 2)
    expect(cart.notices[1]).toBeUndefined()
    // what the stepper cut itself (typed 99 with 3 left) is said the same way
    cart.noteLimited(1, 99, 3)
    expect(cart.notices[1]).toEqual({ kind: 'limited', asked: 99, n: 3 })
    cart.noteLimited(2, 150, 99)
    expect(cart.notices[2]).toEqual({ kind: 'limited', asked: 150, n: 99 })
  })

  it('sends only the last of a burst of changes, in order', async () => {
    const first = deferred()
    cartApi.update.mockReturnValueOnce(first.promise)
    cartApi.update.mockResolvedValue(serverCart(line(1, { quantity: 3, price: '68.00', stock: 3 }), line(2, { quantity: 2 })))

    const a = cart.setQuantity(1, 2)
    expect(cart.items[0].quantity).toBe(2)
    await flush() // the first change is on its way; the next clicks queue behind it
    const b = cart.setQuantity(1, 3)
    const c = cart.setQuantity(1, 2)
    const d = cart.setQuantity(1, 3)
    expect(cart.items[0].quantity).toBe(3)
    first.resolve(serverCart(line(1, { quantity: 2, price: '68.00', stock: 3 }), line(2, { quantity: 2 })))
    await Promise.all([a, b, c, d])

    expect(cartApi.update.mock.calls).toEqual([[1, 2], [1, 3]])
    expect(cart.items[0].quantity).toBe(3)
    expect(cart.busy).toBe(false)
  })

  it('sends one request for a burst of clicks made before the first could leave', async () => {
    cartApi.update.mockResolvedValue(serverCart(line(1, { quantity: 3, price: '68.00', stock: 3 }), line(2, { quantity: 2 })))
    await Promise.all([cart.setQuantity(1, 2), cart.setQuantity(1, 3)])
    expect(cartApi.update.mock.calls).toEqual([[1, 3]])
  })

  it('refuses a quantity under 1 without asking the server', async () => {
    expect(await cart.setQuantity(1, 0)).toBe(false)
    expect(cartApi.update).not.toHaveBeenCalled()
  })

  it('keeps the newest change on screen while an older one is refused', async () => {
    const first = deferred()
    cartApi.update.mockReturnValueOnce(first.promise)
    cartApi.update.mockResolvedValue(serverCart(line(1, { quantity: 3, price: '68.00', stock: 3 }), line(2, { quantity: 2 })))
    const a = cart.setQuantity(1, 2)
    await flush()
    const b = cart.setQuantity(1, 3)
    first.reject(problem(503, 'products_unavailable'))
    await Promise.all([a, b])
    expect(cart.items[0].quantity).toBe(3)
  })

  it('removes a line at once and puts it back when the server refuses', async () => {
    cartApi.remove.mockRejectedValueOnce(problem(503, 'products_unavailable'))
    const done = cart.remove(2)
    expect(cart.items.map((l) => l.id)).toEqual([1])
    expect(cart.count).toBe(1)
    expect(await done).toBe(false)
    expect(cart.items.map((l) => l.id)).toEqual([1, 2])

    cartApi.remove.mockResolvedValueOnce(undefined)
    expect(await cart.remove(2)).toBe(true)
    expect(cart.items.map((l) => l.id)).toEqual([1])
    expect(cart.cart.total_price).toBe('68.00')
  })

  it('clears at once and restores the lines when clearing fails', async () => {
    const answer = deferred()
    cartApi.clear.mockReturnValue(answer.promise)
    const done = cart.clear()
    expect(cart.isEmpty).toBe(true)
    answer.reject(problem(0, 'network_error'))
    expect(await done).toBe(false)
    expect(cart.items).toHaveLength(2)
  })

  it('shows what the server answers to an add: one line per variant, merged', async () => {
    const merged = serverCart(line(1, { quantity: 2, price: '68.00', stock: 3 }), line(2, { quantity: 2 }))
    cartApi.add.mockResolvedValue(merged)
    const added = await cart.add({ product: { id: 1 }, variant: { id: 10 }, quantity: 1 })
    expect(added).toBe(true)
    expect(cartApi.add).toHaveBeenCalledWith({ productId: 1, variantId: 10, quantity: 1 }, expect.any(String))
    expect(cart.items.filter((l) => l.variant_id === 10)).toHaveLength(1)
    expect(cart.quantityOf(10)).toBe(2)
    expect(ui.cartOpen).toBe(true)
  })

  it('asks a guest to sign in, then completes the add', async () => {
    tokens.clear()
    cart.reset()
    const added = await cart.add({ product: { id: 1 }, variant: { id: 10 }, quantity: 2 })
    expect(added).toBe(false)
    expect(ui.auth).toEqual({ mode: 'signin', reason: 'add_to_cart' })
    expect(cartApi.add).not.toHaveBeenCalled()

    tokens.set({ access: 'a2', refresh: 'r2' })
    cartApi.add.mockResolvedValue(serverCart(line(1, { quantity: 2, price: '68.00', stock: 3 })))
    await ui.authSucceeded()
    expect(cartApi.add).toHaveBeenCalledWith({ productId: 1, variantId: 10, quantity: 2 }, expect.any(String))
    expect(cart.count).toBe(2)
    expect(ui.auth).toBeNull()
  })

  it('drops the pending add when the guest closes the sign-in modal', async () => {
    tokens.clear()
    await cart.add({ product: { id: 1 }, variant: { id: 10 } })
    ui.authDismissed()
    await ui.authSucceeded()
    expect(cartApi.add).not.toHaveBeenCalled()
  })

  it('never lets a slow load undo a later add', async () => {
    const slow = deferred()
    cartApi.get.mockReturnValueOnce(slow.promise)
    const loading = cart.load()
    cartApi.add.mockResolvedValue(serverCart(line(1, { quantity: 2, price: '68.00', stock: 3 }), line(2, { quantity: 2 })))
    await cart.add({ product: { id: 1 }, variant: { id: 10 } })
    slow.resolve(serverCart(line(1, { quantity: 1, price: '68.00', stock: 3 })))
    await loading
    expect(cart.quantityOf(10)).toBe(2)
  })

  it('sends an add tried again after a 503 with its key, and a new add with a new one', async () => {
    const added = serverCart(line(1, { quantity: 1, price: '68.00', stock: 3 }))
    cartApi.add.mockRejectedValueOnce(problem(503, 'database_unavailable')).mockResolvedValue(added)
    const shirt = { product: { id: 1 }, variant: { id: 10 }, quantity: 1 }
    expect(await cart.add(shirt)).toBe(false)
    expect(await cart.add(shirt)).toBe(true)
    expect(await cart.add(shirt)).toBe(true)
    const [first, retried, next] = cartApi.add.mock.calls.map(([, key]) => key)
    expect(retried).toBe(first)
    expect(next).not.toBe(first)
  })

  it('gives an add refused for good a new key next time', async () => {
    cartApi.add.mockRejectedValueOnce(problem(409, 'insufficient_stock'))
      .mockResolvedValue(serverCart(line(1, { quantity: 1, price: '68.00', stock: 3 })))
    cartApi.get.mockResolvedValue(serverCart())
    const shirt = { product: { id: 1 }, variant: { id: 10 }, quantity: 1 }
    await cart.add(shirt)
    await cart.add(shirt)
    const [first, second] = cartApi.add.mock.calls.map(([, key]) => key)
    expect(second).not.toBe(first)
  })

  it('clears with an Undo that puts every line back, saying what could not come back', async () => {
    cartApi.clear.mockResolvedValueOnce(undefined)
    expect(await cart.clear()).toBe(true)
    expect(cart.isEmpty).toBe(true)
    const [cleared] = ui.toasts
    expect(cleared.message).toBe('Your cart is cleared.')
    expect(cleared.action.label).toBe('Undo')

    // the first line sold out meanwhile; the second has 1 of its 2 left
    cartApi.add.mockRejectedValueOnce(problem(409, 'insufficient_stock', { available: 0 }))
      .mockRejectedValueOnce(problem(409, 'insufficient_stock', { available: 1 }))
      .mockResolvedValueOnce(serverCart(line(2, { quantity: 1 })))
    cartApi.get.mockResolvedValue(serverCart(line(2, { quantity: 1 })))
    await cleared.action.run()
    await flush()
    expect(cartApi.add.mock.calls.map(([body]) => [body.variantId, body.quantity])).toEqual([[10, 1], [20, 2], [20, 1]])
    expect(cart.items.map((l) => [l.id, l.quantity])).toEqual([[2, 1]])
    expect(ui.toasts.map((t) => t.message)).toEqual([
      'Your cart is back, except: Product 1 (M): sold out meanwhile; Product 2 (M): only 1 of 2 left.'])
    expect(ui.cartOpen).toBe(true)
  })

  it('says the cart is back as it was when every line came back', async () => {
    cartApi.clear.mockResolvedValueOnce(undefined)
    await cart.clear()
    cartApi.add.mockResolvedValue(serverCart(line(1), line(2, { quantity: 2 })))
    cartApi.get.mockResolvedValue(serverCart(line(1), line(2, { quantity: 2 })))
    await ui.toasts[0].action.run()
    expect(ui.toasts.map((t) => [t.message, t.tone])).toEqual([['Your cart is back as it was.', 'success']])
  })
})
