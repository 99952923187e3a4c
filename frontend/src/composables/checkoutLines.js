import { fromCents, toCents } from '@/composables/money'

/**
 * The cart as checkout can order it now: each line with what there is of it (`orderable`: its quantity, what is
 * left when stock fell below it, 0 when it sold out), and the total of what would be ordered. Lines that cannot
 * be ordered as they are (`unavailable`) are shown as such, left out of the total, and taken out of the cart
 * (or cut to what is left) when the shopper goes on without them (`fixes`).
 */
export function checkoutLines(items) {
  const lines = items.map((line) => {
    const stock = line.stock ?? line.quantity
    const orderable = Math.max(0, Math.min(line.quantity, stock))
    return { ...line, orderable, soldOut: orderable === 0, short: orderable > 0 && orderable < line.quantity }
  })
  const cents = lines.reduce((sum, line) => sum + toCents(line.unit_price) * line.orderable, 0)
  const unavailable = lines.filter((line) => line.soldOut || line.short)
  return {
    lines,
    unavailable,
    total: fromCents(cents),
    count: lines.reduce((sum, line) => sum + line.orderable, 0),
    /** what to change in the cart to order the rest: [{id, quantity}] (0: remove the line) */
    fixes: unavailable.map((line) => ({ id: line.id, quantity: line.orderable })),
  }
}
