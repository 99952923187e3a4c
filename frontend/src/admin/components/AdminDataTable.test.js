import { describe, expect, it } from 'vitest'
import { nextTick } from 'vue'

import { problem } from '@/test/helpers'
import { mountAdmin } from '@/test/adminMount'

import AdminDataTable from './AdminDataTable.vue'
import AdminPagination from './AdminPagination.vue'

const columns = [
  { key: 'number', label: 'Number', link: true },
  { key: 'created_at', label: 'Placed', sort: 'created_at', sortFirst: '-' },
  { key: 'total', label: 'Total', sort: 'total_price', sortFirst: '-', align: 'end' },
]
const rows = [{ id: 1, number: '100-000-001', created_at: 'a', total: '5' }, { id: 2, number: '100-000-002', created_at: 'b', total: '9' }]
const table = (path, props = {}) => mountAdmin(AdminDataTable, {
  path,
  props: { caption: 'Orders', columns, rows, rowTo: (r) => ({ name: 'admin-order', params: { id: r.id } }),
    defaultOrdering: '-created_at', ...props },
})
const settle = async () => {
  await nextTick()
  await new Promise((r) => setTimeout(r, 0))
}

describe('AdminDataTable', () => {
  it('is a captioned table whose rows link to their page', async () => {
    const { wrapper } = await table('/admin/orders')
    expect(wrapper.find('caption').text()).toBe('Orders')
    expect(wrapper.findAll('th[scope=col]').map((th) => th.text())).toEqual(['Number', 'Placed', 'Total'])
    const links = wrapper.findAll('[data-test=row-link]')
    expect(links.map((a) => a.attributes('href'))).toEqual(['/admin/orders/1', '/admin/orders/2'])
    expect(wrapper.findAll('td[data-label=Placed]')).toHaveLength(2) // the phone's card labels
  })

  it('says how it is sorted, and a header click writes ?ordering= and goes back to page 1', async () => {
    const { wrapper, router } = await table('/admin/orders?status=pending&page=3')
    const [placed, total] = wrapper.findAll('th[aria-sort]')
    expect(placed.attributes('aria-sort')).toBe('descending') // the default
    expect(total.attributes('aria-sort')).toBe('none')

    await wrapper.find('[data-test=sort-total]').trigger('click')
    await settle()
    expect(router.currentRoute.value.query).toEqual({ status: 'pending', ordering: '-total_price' })
    expect(wrapper.findAll('th[aria-sort]')[1].attributes('aria-sort')).toBe('descending')

    await wrapper.find('[data-test=sort-total]').trigger('click')
    await settle()
    expect(router.currentRoute.value.query.ordering).toBe('total_price')

    await wrapper.find('[data-test=sort-created_at]').trigger('click') // back to the default: not written
    await settle()
    expect(router.currentRoute.value.query).toEqual({ status: 'pending' })
  })

  it('offers the default ordering by its name on a phone when it is no column\'s', async () => {
    const { wrapper, router } = await table('/admin/products?ordering=total_price', { defaultOrdering: '', defaultOrderingLabel: 'Newest first' })
    const select = wrapper.get('[data-test=table-sort]')
    expect(select.findAll('option').map((o) => o.text())[0]).toBe('Newest first')
    expect(select.element.value).toBe('total_price')
    await select.setValue('')
    await settle()
    expect(router.currentRoute.value.query).toEqual({})
  })

  it('ignores an ordering in the URL that is not one of its columns', async () => {
    const { wrapper } = await table('/admin/orders?ordering=password')
    expect(wrapper.findAll('th[aria-sort]')[0].attributes('aria-sort')).toBe('descending')
  })

  it('shows loading, empty and error states, and asks again on Retry', async () => {
    const loading = await table('/admin/orders', { rows: null, loading: true })
    expect(loading.wrapper.find('table').attributes('aria-busy')).toBe('true')
    expect(loading.wrapper.findAll('.skeleton')).toHaveLength(5)

    const empty = await table('/admin/orders', { rows: [], emptyTitle: 'No orders match' })
    expect(empty.wrapper.find('[data-test=empty-state]').text()).toContain('No orders match')

    const failed = await table('/admin/orders', { rows: null, problem: problem(403, 'staff_only') })
    expect(failed.wrapper.find('table').exists()).toBe(false)
    expect(failed.wrapper.text()).toContain('This is for the shop’s staff')
    await failed.wrapper.find('[data-test=table-error] button').trigger('click')
    expect(failed.wrapper.emitted('retry')).toHaveLength(1)
  })
})

describe('AdminPagination', () => {
  it('links pages keeping the filters, page 1 without a page, and marks the current one', async () => {
    const { wrapper } = await mountAdmin(AdminPagination, {
      path: '/admin/orders?status=pending&page=2', props: { count: 45, pageSize: 20, what: 'orders' },
    })
    expect(wrapper.find('[data-test=page-range]').text()).toBe('21–40 of 45')
    expect(wrapper.find('[data-test=prev-page]').attributes('href')).toBe('/admin/orders?status=pending')
    expect(wrapper.find('[data-test=next-page]').attributes('href')).toBe('/admin/orders?status=pending&page=3')
    expect(wrapper.findAll('[aria-current]').map((a) => a.text())).toEqual(['2'])
    expect(wrapper.find('nav').attributes('aria-label')).toBe('Pages of orders')
  })

  it('has no navigation for a single page', async () => {
    const { wrapper } = await mountAdmin(AdminPagination, { path: '/admin/orders', props: { count: 3, pageSize: 20, what: 'orders' } })
    expect(wrapper.find('nav').exists()).toBe(false)
    expect(wrapper.find('[data-test=page-range]').text()).toBe('1–3 of 3')
  })
})
