import { afterEach, describe, expect, it, vi } from 'vitest'

import { staffUsers } from '@/admin/api'
import { flush } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'

import CustomersView from './CustomersView.vue'

vi.mock('@/admin/api', () => ({ staffOrders: {}, staffUsers: { list: vi.fn() }, staffStock: {} }))

const account = (over) => ({
  id: 7, username: 'ada', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', date_joined: '2026-01-05T10:00:00Z',
  is_active: true, is_staff: false, email_verified: false, ...over,
})

async function openList(path = '/admin/customers') {
  staffUsers.list.mockResolvedValue({ count: 2, next: null, previous: null,
    results: [account(), account({ id: 8, username: 'bob', email_verified: true })] })
  const mounted = await mountAdmin(CustomersView, { path, attachTo: document.body })
  await flush()
  return mounted
}

describe('the back office customers list', () => {
  let wrapper
  afterEach(() => {
    wrapper?.unmount()
    vi.clearAllMocks()
  })

  it('shows whether each customer’s email is verified', async () => {
    ;({ wrapper } = await openList())
    const headers = wrapper.findAll('th').map((th) => th.text())
    expect(headers).toContain('Email verified')
    expect(wrapper.findAll('[data-test=customer-verified]').map((c) => c.text())).toEqual(['No', 'Yes'])
  })

  it('filters by it, keeping the filter in the address', async () => {
    let router
    ;({ wrapper, router } = await openList())
    expect(staffUsers.list.mock.calls[0][0]).not.toHaveProperty('email_verified')
    await wrapper.find('[data-test=filter-verified]').setValue('0')
    await flush()
    expect(router.currentRoute.value.query).toEqual({ verified: '0' })
    expect(staffUsers.list.mock.calls.at(-1)[0]).toMatchObject({ email_verified: false })
    wrapper.unmount()

    ;({ wrapper } = await openList('/admin/customers?verified=1&active=1'))
    expect(wrapper.find('[data-test=filter-verified]').element.value).toBe('1')
    expect(staffUsers.list.mock.calls.at(-1)[0]).toMatchObject({ email_verified: true, is_active: true })
  })
})
