import { expect, test } from './fixtures.js'

// What a search engine meets: robots.txt and the sitemap, the status of every kind of address, and on each page
// a title, a description, a canonical link and (on a product's page) its schema.org Product.

const PRODUCT = 'brushed-flannel-overshirt'

test.skip(({ isMobile }) => isMobile, 'what crawlers read does not depend on the screen: the desktop run reads it')

const headOf = (page) =>
  page.evaluate(() => ({
    title: document.title,
    description: document.querySelector('meta[name="description"]')?.content,
    canonicals: [...document.querySelectorAll('link[rel="canonical"]')].map((l) => l.href),
    data: [...document.querySelectorAll('script[type="application/ld+json"]')].map((s) => JSON.parse(s.textContent)),
  }))

test('robots.txt names the sitemap, and the sitemap lists the products and categories', async ({ request, baseURL }) => {
  const robots = await request.get('/robots.txt')
  expect(robots.status()).toBe(200)
  expect(robots.headers()['content-type']).toBe('text/plain; charset=utf-8')
  const lines = (await robots.text()).split('\n')
  expect(lines).toEqual(expect.arrayContaining(['User-agent: *', 'Disallow: /checkout', 'Disallow: /admin',
    'Disallow: /api/', 'Allow: /api/products/', `Sitemap: ${baseURL}/sitemap.xml`]))

  const sitemap = await request.get('/sitemap.xml')
  expect(sitemap.status()).toBe(200)
  expect(sitemap.headers()['content-type']).toBe('application/xml; charset=utf-8')
  const xml = await sitemap.text()
  expect(xml).toContain('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
  const locs = [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1])
  const { count } = await (await request.get('/api/products/?page_size=1')).json()
  const categories = await (await request.get('/api/categories/')).json()
  expect(locs.filter((loc) => loc.startsWith(`${baseURL}/products/`))).toHaveLength(count)
  expect(locs).toEqual(expect.arrayContaining([`${baseURL}/`, `${baseURL}/products/${PRODUCT}`,
    ...categories.map((c) => `${baseURL}/?category=${c.slug}`)]))
})

test('a page is 200 where the storefront has one, and 404 with its not-found page elsewhere', async ({ page, expectError }) => {
  for (const path of ['/', '/?category=footwear', `/products/${PRODUCT}`, '/password-reset']) {
    expect((await page.goto(path)).status(), path).toBe(200)
  }
  expectError(/status of 404/) // the browser logs the page's own 404
  expect((await page.goto('/no/such/page')).status()).toBe(404)
  await expect(page.getByTestId('not-found')).toHaveText('This page does not exist')
  expect((await headOf(page)).canonicals).toEqual([])

  expectError(/status of 404/)
  expectError(/status of 404/) // and the app's look-up of the product
  expect((await page.goto('/products/no-such-product')).status()).toBe(404)
  await expect(page.getByText('We could not find that product')).toBeVisible()
  expect((await headOf(page)).title).toBe('We could not find that product · Shop')
})

test('every page has its title, description and canonical link; a product its structured data', async ({ page, request, baseURL }) => {
  await page.goto('/?category=footwear&sort=price&stock=1')
  await expect(page.getByTestId('result-count')).toBeVisible()
  const catalogue = await headOf(page)
  expect(catalogue.title).toBe('Footwear · Shop')
  expect(catalogue.description.length).toBeGreaterThan(40)
  expect(catalogue.canonicals).toEqual([`${baseURL}/?category=footwear`])
  expect(catalogue.data).toEqual([])

  await page.goto(`/products/${PRODUCT}`)
  await expect(page.getByTestId('product-name')).toBeVisible()
  const detail = await (await request.get(`/api/products/${PRODUCT}/`)).json()
  const product = await headOf(page)
  expect(product.title).toBe(`${detail.name} · Shop`)
  expect(detail.description.replace(/\s+/g, ' ').startsWith(product.description.replace(/…$/, ''))).toBe(true)
  expect(product.canonicals).toEqual([`${baseURL}/products/${PRODUCT}`])
  const [data] = product.data
  expect(data).toMatchObject({ '@context': 'https://schema.org', '@type': 'Product', name: detail.name,
    url: `${baseURL}/products/${PRODUCT}` })
  const prices = detail.variants.map((v) => Number(v.price))
  const offers = data.offers
  if (new Set(prices).size > 1) {
    expect(offers).toMatchObject({ '@type': 'AggregateOffer', priceCurrency: detail.currency, offerCount: detail.variants.length })
    expect([Number(offers.lowPrice), Number(offers.highPrice)]).toEqual([Math.min(...prices), Math.max(...prices)])
    expect(offers.offers.map((o) => o.sku)).toEqual(detail.variants.map((v) => v.sku))
  } else {
    expect(offers).toMatchObject({ '@type': 'Offer', priceCurrency: detail.currency, price: detail.variants[0].price })
  }
  expect(offers.availability).toBe(detail.in_stock ? 'https://schema.org/InStock' : 'https://schema.org/OutOfStock')
  for (const image of data.image) expect((await request.get(image)).status(), image).toBe(200)

  // the next page has its own, and no product's data
  await page.locator('.breadcrumbs a').first().click()
  await expect(page).toHaveURL(`${baseURL}/`)
  await expect.poll(async () => (await headOf(page)).data).toEqual([])
  expect((await headOf(page)).canonicals).toEqual([`${baseURL}/`])
})
