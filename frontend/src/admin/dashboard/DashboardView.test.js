import { afterEach, describe, expect, it, vi } from 'vitest'

import { staffOrders, staffStock } from '@/admin/api'
import { flush } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'

import { localDay, weekStart } from '../orders/ordersQuery'

import DashboardView from './DashboardView.vue'
import { LOW_STOCK_BELOW } from './lowStock'

vi.mock('@/admin/api', () => ({
  staffOrders: { list: vi.fn() },
  staffUsers: {},
  staffStock: { low: vi.fn(), set: vi.fn() },
}))

const page = (count, results = []) => ({ count, next: null, previous: null, results })

describe('the dashboard', () => {
  afterEach(() => vi.clearAllMocks())

  it('counts exactly what each figure links to, and lists the low variants with a stock field each', async () => {
    staffOrders.list.mockImplementation(async (params) => {
      if (params.page_size === 1) {
        if (params.status?.[0] === 'pending') return page(3)
        if (params.status?.[0] === 'confirmed') return page(4)
        return page(params.created_after === new Date(`${localDay()}T00:00:00`).toISOString() ? 2 : 9)
      }
      return page(0)
    })
    staffStock.low.mockResolvedValue(page(1, [{ id: 1, slug: 'oxford', name: 'Oxford shirt', low_variants: [
      { id: 11, sku: 'OX-S', label: 'S', stock: 0 }, { id: 12, sku: 'OX-XL', label: 'XL', stock: 3 },
      { id: 13, sku: 'OX-M', label: 'M', stock: 4 }, { id: 14, sku: 'OX-L', label: 'L', stock: 4 }] }]))
    const { wrapper } = await mountAdmin(DashboardView)
    await flush()
    await flush()

    const stat = (key) => wrapper.find(`[data-test=stat-${key}]`)
    expect(['today', 'week', 'pending', 'confirmed'].map((k) => stat(k).find('[data-test=stat-value]').text())).toEqual(['2', '9', '3', '4'])
    expect(stat('today').attributes('href')).toBe(`/admin/orders?from=${localDay()}`)
    expect(stat('week').attributes('href')).toBe(`/admin/orders?from=${weekStart()}`)
    expect(stat('pending').attributes('href')).toBe('/admin/orders?status=pending')
    expect(stat('confirmed').attributes('href')).toBe('/admin/orders?status=confirmed')

    expect(staffStock.low).toHaveBeenCalledWith(LOW_STOCK_BELOW, expect.anything(), expect.anything())
    const forms = wrapper.findAll('[data-test=low-stock] [data-test=stock-form]')
    expect(forms.map((f) => f.attributes('data-variant'))).toEqual(['11', '12', '13']) // a product's three fewest
    expect(wrapper.find('[data-test=all-low-stock]').attributes('href')).toBe(`/admin/products?low=${LOW_STOCK_BELOW}`)
  })

  it('says a figure did not load without hiding the others', async () => {
    staffOrders.list.mockImplementation(async (params) => {
      if (params.status?.[0] === 'pending') throw Object.assign(new Error('x'), { code: 'database_unavailable', body: {} })
      return page(1)
    })
    staffStock.low.mockResolvedValue(page(0))
    const { wrapper } = await mountAdmin(DashboardView)
    await flush()
    await flush()
    expect(wrapper.find('[data-test=stat-pending]').text()).toContain('Not loaded')
    expect(wrapper.find('[data-test=stat-confirmed] [data-test=stat-value]').text()).toBe('1')
    expect(wrapper.find('[data-test=low-stock]').text()).toContain(`Every variant has at least ${LOW_STOCK_BELOW} in stock.`)
  })
})
