import { afterEach, describe, expect, it, vi } from 'vitest'

import { staffStock } from '@/admin/api'
import { deferred, flush, problem } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'

import DashboardStockForm from './DashboardStockForm.vue'

vi.mock('@/admin/api', () => ({ staffOrders: {}, staffUsers: {}, staffStock: { set: vi.fn(), low: vi.fn() } }))

const props = { product: { id: 1, slug: 'linen-shirt', name: 'Linen shirt' }, variant: { id: 5, sku: 'LS-M', label: 'M', stock: 2 } }
const shown = (wrapper) => wrapper.find('[data-test=stock-value]').text()

describe('a low variant’s stock, set from its row', () => {
  afterEach(() => vi.clearAllMocks())

  it('shows the new figure at once and keeps what the server answers; no If-Match without an ETag', async () => {
    const { wrapper } = await mountAdmin(DashboardStockForm, { props })
    const answer = deferred()
    staffStock.set.mockReturnValueOnce(answer.promise)
    await wrapper.find('[data-test=stock-input]').setValue('40')
    await wrapper.find('form').trigger('submit')
    expect(staffStock.set).toHaveBeenCalledWith('linen-shirt', 5, 40)
    expect(shown(wrapper)).toBe('40')
    answer.resolve({ id: 5, stock: 40 })
    await flush()
    expect(shown(wrapper)).toBe('40')
    expect(wrapper.emitted('saved')).toEqual([[40]])
  })

  it('goes back to the old figure and says why when refused', async () => {
    const { wrapper } = await mountAdmin(DashboardStockForm, { props })
    staffStock.set.mockRejectedValueOnce(problem(403, 'staff_only'))
    await wrapper.find('[data-test=stock-input]').setValue('40')
    await wrapper.find('form').trigger('submit')
    await flush()
    expect(shown(wrapper)).toBe('2')
    expect(wrapper.find('[data-test=stock-input]').element.value).toBe('2')
    expect(wrapper.find('[data-test=stock-error]').text()).toContain('staff')
    expect(wrapper.find('[data-test=stock-input]').attributes('aria-invalid')).toBe('true')
  })

  it('sends nothing that is not a whole number of 0 or more', async () => {
    const { wrapper } = await mountAdmin(DashboardStockForm, { props })
    for (const bad of ['-1', '2.5', '']) {
      await wrapper.find('[data-test=stock-input]').setValue(bad)
      await wrapper.find('form').trigger('submit')
    }
    expect(staffStock.set).not.toHaveBeenCalled()
    expect(wrapper.find('[data-test=stock-error]').text()).toBe('Enter a whole number, 0 or more.')
  })
})
