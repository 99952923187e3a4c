import { expect, test } from './fixtures.js'

// Search that forgives typos, "did you mean", the facets and the "from" price, on the demo catalogue.

// the stack's own Postgres, when none ran (the embedded pgserver), has no pg_trgm: its search is exact
const stack = process.env.SHOP_PW_STACK ? JSON.parse(process.env.SHOP_PW_STACK) : null
const exactOnly = Boolean(stack) && !stack.postgresUrl

test('a search with typos finds the product and offers the right words', async ({ page, shoot }) => {
  test.skip(exactOnly, 'the embedded Postgres (pgserver) has no pg_trgm: the search is exact there')
  await page.goto('/?q=lnen%20shrt')
  await expect(page.getByTestId('product-card').first()).toContainText('Linen Camp-Collar Shirt')
  const hint = page.getByTestId('did-you-mean')
  await expect(hint).toHaveText('Did you mean linen shirt?')
  await shoot('did-you-mean')
  await hint.getByRole('link').click()
  await expect(page).toHaveURL(/q=linen\+shirt/)
  await expect(page.getByTestId('product-card').first()).toContainText('Linen Camp-Collar Shirt')
  await expect(page.getByTestId('did-you-mean')).toHaveCount(0)
})

test('the facets count what each choice gives, and a size filters the list', async ({ page, shoot }) => {
  await page.goto('/')
  await page.getByTestId('facets-toggle').click()
  const medium = page.getByTestId('facet-size').locator('[data-value="M"]')
  const count = Number((await medium.textContent()).match(/\((\d+)\)/)[1])
  expect(count).toBeGreaterThan(0)
  await shoot('facets')
  await medium.click()
  await expect(page).toHaveURL(/size=M/)
  await expect(page.getByTestId('result-count')).toHaveText(count === 1 ? '1 product' : `${count} products`)
  await expect(medium.locator('input')).toBeChecked()
  await expect(page.getByTestId('facets-toggle')).toContainText('(1)')
})

test('a card whose variants differ in price says from', async ({ page }) => {
  await page.goto('/?q=skillet') // 20, 26 and 30 cm: $45.00 to $78.00
  await expect(page.getByTestId('product-card').first()).toContainText('Cast-Iron Skillet')
  await expect(page.getByTestId('card-price').first()).toHaveText('From $45.00')
})
