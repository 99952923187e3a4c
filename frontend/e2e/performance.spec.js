import { expect, test } from './fixtures.js'

// The largest contentful paint of the catalogue, in the browser, on the local stack: a first visit (no
// browser cache) to a server that has served the page before. The figure is reported (the run's log and the
// test's annotation), not bet on: how fast a shared machine paints is a measure for bench/, not a check.
test('the catalogue paints its largest content, and its LCP is reported', async ({ browser, page }, testInfo) => {
  await page.goto('/') // warms the server (its cache), not this browser: the measure uses a new context
  await expect(page.getByTestId('product-card')).toHaveCount(12)

  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
  const fresh = await context.newPage()
  const errors = []
  fresh.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  await fresh.goto('/')
  await expect(fresh.getByTestId('product-card')).toHaveCount(12)
  await fresh.waitForFunction(() => [...document.images].filter((i) => i.loading !== 'lazy').every((i) => i.complete))
  const lcp = await fresh.evaluate(() => new Promise((resolve) => {
    new PerformanceObserver((list) => {
      const entries = list.getEntries()
      const last = entries[entries.length - 1]
      resolve({ ms: last.startTime, element: last.element?.tagName, url: last.url, size: last.size })
    }).observe({ type: 'largest-contentful-paint', buffered: true })
  }))
  console.log(`catalogue LCP: ${lcp.ms.toFixed(0)} ms (${lcp.element}${lcp.url ? ` ${lcp.url}` : ''}, ${lcp.size} px²)`)
  testInfo.annotations.push({ type: 'LCP', description: `${lcp.ms.toFixed(0)} ms` })
  await context.close()
  expect(errors).toEqual([])
  expect(lcp.ms).toBeGreaterThan(0)
})
