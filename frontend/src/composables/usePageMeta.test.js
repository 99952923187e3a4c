import { mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'

import { i18n, setLocale } from '@/i18n'

import { applyPageMeta, DESCRIPTION_LENGTH, summary, usePageMeta } from './usePageMeta'

const head = () => ({
  title: document.title,
  description: document.head.querySelector('meta[name="description"]')?.getAttribute('content'),
  canonicals: [...document.head.querySelectorAll('link[rel="canonical"]')].map((l) => l.getAttribute('href')),
  data: [...document.head.querySelectorAll('script[type="application/ld+json"]')].map((s) => JSON.parse(s.textContent)),
})

/** A page at `path` whose meta is `source` (a function of nothing but refs). */
async function page(path, source) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)*', component: { render: () => null } }] })
  await router.push(path)
  const View = defineComponent({
    setup() {
      usePageMeta(source)
      return () => h('main')
    },
  })
  return mount(View, { global: { plugins: [i18n, router] } })
}

afterEach(async () => {
  document.head.innerHTML = ''
  await setLocale('en')
})

describe('usePageMeta', () => {
  it('titles the page after the shop, describes it and names its canonical address without the query', async () => {
    await page('/orders?utm_source=mail', () => ({ title: 'Your orders' }))
    expect(head()).toEqual({
      title: 'Your orders · Shop',
      description: i18n.global.t('meta.description'),
      canonicals: [`${window.location.origin}/orders`],
      data: [],
    })
  })

  it('follows what the page reads, and the language', async () => {
    const name = ref('Linen shirt')
    const wrapper = await page('/products/linen-shirt', () => ({ title: name.value, description: null, canonical: '/products/linen-shirt' }))
    name.value = 'Oxford shirt'
    await nextTick()
    expect(head().title).toBe('Oxford shirt · Shop')
    await setLocale('ru')
    await nextTick()
    expect(head().description).toMatch(/одежда, обувь/)
    expect(head().canonicals).toEqual([`${window.location.origin}/products/linen-shirt`])
    wrapper.unmount()
  })

  it('writes the structured data once, and takes it and the canonical link away with the page', async () => {
    const data = { '@context': 'https://schema.org', '@type': 'Product', name: 'Shirt </script><b>' }
    const wrapper = await page('/products/shirt', () => ({ title: 'Shirt', data }))
    expect(head().data).toEqual([data])
    expect(document.head.querySelector('script[type="application/ld+json"]').textContent).not.toContain('</script>')
    wrapper.unmount()
    expect(head().data).toEqual([])
    expect(head().canonicals).toEqual([])
  })

  it('leaves the next page its own canonical link and data', async () => {
    const first = await page('/products/a', () => ({ title: 'A', data: { name: 'A' } }))
    const second = await page('/products/b', () => ({ title: 'B', data: { name: 'B' } }))
    first.unmount()
    expect(head().canonicals).toEqual([`${window.location.origin}/products/b`])
    expect(head().data).toEqual([{ name: 'B' }])
    second.unmount()
  })

  it('gives a page without an address no canonical link', async () => {
    await page('/no/such/page', () => ({ title: 'Page not found', canonical: null }))
    expect(head().canonicals).toEqual([])
    expect(head().title).toBe('Page not found · Shop')
  })
})

describe('summary', () => {
  it('puts a description on one line, cut at a word within what search engines show', () => {
    expect(summary('  A shirt\n\nin   linen. ')).toBe('A shirt in linen.')
    const long = 'Woven in Portugal from a heavy oxford cloth, washed soft, '.repeat(6)
    const cut = summary(long)
    expect(cut.length).toBeLessThanOrEqual(DESCRIPTION_LENGTH)
    expect(cut.endsWith('…') && long.startsWith(cut.slice(0, -1))).toBe(true)
    expect(cut.at(-2)).not.toMatch(/[\s,]/)
    expect(summary(null)).toBe('')
  })
})

describe('applyPageMeta', () => {
  it('keeps one of each element however often it is called', () => {
    for (const n of [1, 2, 3]) applyPageMeta({ title: `T${n}`, description: `D${n}`, canonical: `https://shop.example/${n}` })
    expect(document.head.querySelectorAll('meta[name="description"]')).toHaveLength(1)
    expect(head()).toEqual({ title: 'T3', description: 'D3', canonicals: ['https://shop.example/3'], data: [] })
  })
})
