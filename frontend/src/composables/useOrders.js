import { orders } from '@/api'

import { useResource } from './useResource'

export const ORDERS_PAGE_SIZE = 10

/** A page of the shopper's orders, newest first. */
export function useOrderList(page) {
  return useResource((p) => orders.list({ page: p, page_size: ORDERS_PAGE_SIZE }), page)
}

/** One order, by id. */
export function useOrder(id) {
  return useResource((value) => orders.get(value), id, { keepData: false })
}

/** Statuses in which the shopper may still cancel (CONTRACT.md: orders): a card order waiting for its
 * payment too (its provider's page stops taking money), and a paid one (it is refunded). */
export const CANCELLABLE = ['pending', 'awaiting_payment', 'confirmed']
