import { describe, expect, it } from 'vitest'

import { paymentState } from '@/composables/payment'

const card = (payment, status = 'confirmed') => ({ status, payment: { method: 'card', refund: null, ...payment } })
const cash = (payment, status = 'confirmed') => ({ status, payment: { method: 'cash_on_delivery', refund: null, ...payment } })

describe('where a payment stands', () => {
  it('names each state of the contract', () => {
    expect(paymentState(cash({ status: 'due_on_delivery' }))).toBe('due')
    expect(paymentState(cash({ status: 'paid' }, 'delivered'))).toBe('paidOnDelivery')
    expect(paymentState(card({ status: 'requires_action' }, 'awaiting_payment'))).toBe('awaiting')
    expect(paymentState(card({ status: 'paid' }))).toBe('paid')
    expect(paymentState(card({ status: 'failed' }, 'cancelled'))).toBe('failed')
    expect(paymentState(card({ status: 'expired' }, 'cancelled'))).toBe('expired')
    expect(paymentState(card({ status: 'refunded' }, 'cancelled'))).toBe('refunded')
  })

  it('says a cancelled paid order is being refunded, before payments has recorded the refund too', () => {
    expect(paymentState(card({ status: 'paid' }, 'cancelled'))).toBe('refundPending')
    expect(paymentState(card({ status: 'paid', refund: { status: 'pending', attempts: 0 } }, 'cancelled'))).toBe('refundPending')
    expect(paymentState(card({ status: 'paid', refund: { status: 'failed', attempts: 2 } }, 'cancelled'))).toBe('refundFailed')
    expect(paymentState(card({ status: 'paid', refund: { status: 'succeeded', attempts: 1 } }, 'cancelled'))).toBe('refunded')
  })

  it('has nothing to pay for a cancelled cash order, and no state without a payment', () => {
    expect(paymentState(cash({ status: 'due_on_delivery' }, 'cancelled'))).toBe('void')
    expect(paymentState({ status: 'confirmed' })).toBeNull()
    expect(paymentState(null)).toBeNull()
  })
})
