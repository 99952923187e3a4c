import { afterEach, describe, expect, it, vi } from 'vitest'

import { staffOrders, staffUsers } from '@/admin/api'
import { useSessionStore } from '@/stores/session'
import { deferred, flush, problem } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'

import CustomerView from './CustomerView.vue'

vi.mock('@/admin/api', () => ({
  staffOrders: { list: vi.fn() },
  staffUsers: { get: vi.fn(), list: vi.fn(), activate: vi.fn(), deactivate: vi.fn() },
  staffStock: {},
}))

const account = (over) => ({
  id: 7, username: 'ada', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', phone: '',
  date_joined: '2026-01-05T10:00:00Z', last_login: null, is_active: true, is_staff: false, email_verified: false, ...over,
})

async function openCustomer(first = account()) {
  staffUsers.get.mockResolvedValueOnce(first)
  staffOrders.list.mockResolvedValue({ count: 1, next: null, previous: null, results: [
    { id: 12, number: '204-118-377', status: 'pending', total_price: '40.00', currency: 'USD', created_at: '2026-12-03T10:00:00Z', items: [] },
  ] })
  const mounted = await mountAdmin(CustomerView, { path: '/admin/customers/7', attachTo: document.body })
  await flush()
  return mounted
}
const state = (wrapper) => wrapper.find('header [data-test=customer-state]').text()

describe('the back office customer page', () => {
  let wrapper
  afterEach(() => {
    wrapper?.unmount()
    vi.clearAllMocks()
  })

  it('shows the account and its orders', async () => {
    ;({ wrapper } = await openCustomer())
    expect(wrapper.find('[data-test=customer-title]').text()).toBe('Ada Lovelace')
    expect(staffOrders.list).toHaveBeenCalledWith({ user_id: 7, page: 1, page_size: 10 }, expect.anything())
    expect(wrapper.find('[data-test=row-link]').attributes('href')).toBe('/admin/orders/12')
  })

  it('deactivates only after the confirmation that says their sessions end, showing it at once', async () => {
    ;({ wrapper } = await openCustomer())
    await wrapper.find('[data-test=deactivate]').trigger('click')
    expect(document.querySelector('[data-test=confirm-text]').textContent).toContain('every session of theirs ends')
    expect(staffUsers.deactivate).not.toHaveBeenCalled()

    const answer = deferred()
    staffUsers.deactivate.mockReturnValueOnce(answer.promise)
    document.querySelector('[data-test=confirm-ok]').click()
    await flush()
    expect(staffUsers.deactivate).toHaveBeenCalledWith(7)
    expect(state(wrapper)).toBe('Deactivated') // before the answer
    answer.resolve(account({ is_active: false }))
    await flush()
    expect(state(wrapper)).toBe('Deactivated')
    expect(wrapper.find('[data-test=reactivate]').exists()).toBe(true)
  })

  it('puts the state back and says why when deactivating is refused', async () => {
    ;({ wrapper } = await openCustomer())
    staffUsers.deactivate.mockRejectedValueOnce(problem(409, 'cannot_deactivate_self'))
    await wrapper.find('[data-test=deactivate]').trigger('click')
    document.querySelector('[data-test=confirm-ok]').click()
    await flush()
    expect(state(wrapper)).toBe('Active')
    expect(wrapper.find('[data-test=customer-refusal]').text()).toBe('You cannot deactivate your own account.')
    expect(wrapper.find('[data-test=deactivate]').exists()).toBe(true)
  })

  it('reactivates at once, and rolls back when refused', async () => {
    ;({ wrapper } = await openCustomer(account({ is_active: false })))
    const answer = deferred()
    staffUsers.activate.mockReturnValueOnce(answer.promise)
    await wrapper.find('[data-test=reactivate]').trigger('click')
    expect(state(wrapper)).toBe('Active')
    answer.reject(problem(503, 'database_unavailable'))
    await flush()
    expect(state(wrapper)).toBe('Deactivated')
    expect(wrapper.find('[data-test=customer-refusal]').text()).toContain('cannot reach its records')
  })

  it('tells a staff member the account is their own', async () => {
    staffUsers.get.mockResolvedValueOnce(account({ is_staff: true }))
    staffOrders.list.mockResolvedValue({ count: 0, next: null, previous: null, results: [] })
    ;({ wrapper } = await mountAdmin(CustomerView, { path: '/admin/customers/7' }))
    useSessionStore().user = account({ is_staff: true })
    await flush()
    expect(wrapper.find('[data-test=customer-access]').text()).toContain('This is your own account.')
  })
})
