import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'

import { expect, test, visible } from './fixtures.js'
import { ownShop, staffLogin, waitForMail } from './shop.js'

// The shop's owner at work: signs in to the back office, makes a category and a product with two variants
// and a photo, gives it a Russian name and colour that the storefront shows in Russian, sees it in the
// storefront with that photo, finds a customer's order by the number in its
// confirmation email and ships it (the customer is emailed), finds the customer and deactivates them (their
// session ends), and restocks a low-stock variant from the dashboard. Every back office page is checked with
// axe in both themes; on a wide screen (project "desktop") and on a phone ("phone").

const PHOTO = fileURLToPath(new URL('../../services/products/src/products/demo/photos/washed-linen.jpg', import.meta.url))
const PASSWORD = 'a long and quiet river 7'

/** The input, textarea or select a `data-test` names: the control itself, or the one inside its field. */
const control = (locator) => locator.locator('xpath=self::input|self::textarea|self::select|.//input|.//textarea|.//select').first()

/** A shopper with one order placed through the API, as the storefront would: their tokens and the order. */
async function shopperWithOrder(request, who) {
  const email = `${who}@example.com`
  expect((await request.post('/api/auth/register/', { data: { username: who, email, password: PASSWORD, first_name: 'Grace', last_name: 'Hopper' } })).status()).toBe(201)
  const tokens = await (await request.post('/api/auth/login/', { data: { username: who, password: PASSWORD } })).json()
  const headers = { Authorization: `Bearer ${tokens.access}` }
  const product = await (await request.get('/api/products/oxford-button-down-shirt/')).json()
  const variant = product.variants.find((v) => v.stock > 0)
  const added = await request.post('/api/cart/add/', { headers, data: { product_id: product.id, variant_id: variant.id, quantity: 1 } })
  expect(added.status()).toBe(201)
  const shipping = { full_name: 'Grace Hopper', phone: '+1 212 555 0100', address_line: '1 Navy Yard', city: 'Arlington',
    postal_code: '22202', country: 'United States' }
  const created = await request.post('/api/order/create/', { headers: { ...headers, 'Idempotency-Key': randomUUID() }, data: { shipping } })
  expect(created.status()).toBe(201)
  return { email, tokens, order: await created.json() }
}

test('the shop owner runs the shop from the back office', async ({ page, request, shoot, audit }, testInfo) => {
  test.skip(!ownShop(), 'needs the staff login and the mail of a shop this run started')
  // a long journey (about 55 s alone here): room for a machine twice as busy, never a measure of its speed
  test.setTimeout(300_000)
  const run = `${testInfo.project.name}-${Date.now().toString(36)}`
  const phone = Boolean(testInfo.project.use.isMobile)
  const shopper = await shopperWithOrder(request, `pw_bo_${run.replace(/-/g, '_')}`)
  // the number as the customer reads it out: from the confirmation email
  const subject = await waitForMail(shopper.email, /Thank you for your order/)
  const number = subject.match(/\d{3}-\d{3}-\d{3}/)[0]
  expect(number).toBe(shopper.order.number)

  // -- sign in: the back office asks a guest to sign in, then goes on ------------------------------------
  await page.goto('/admin/')
  const dialog = page.getByRole('dialog', { name: 'Sign in' })
  await expect(dialog).toBeVisible()
  const staff = staffLogin()
  await dialog.getByLabel('Username or email').fill(staff.username)
  await dialog.getByLabel('Password').fill(staff.password)
  await dialog.getByTestId('auth-submit').click()
  await expect(page).toHaveURL(/\/admin\/?$/)
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  await expect(page.getByTestId('stat-today').getByTestId('stat-value')).toHaveText(/^\d+$/)
  await shoot('dashboard')
  await audit('dashboard')

  // -- a category ----------------------------------------------------------------------------------------
  const categoryName = `Rain Gear ${run}`
  await page.goto('/admin/categories')
  await page.getByTestId('category-new').click()
  const form = page.getByTestId('category-form')
  await control(form.getByTestId('category-name')).fill(categoryName)
  await control(form.getByTestId('category-description')).fill('Coats and hats for wet days.')
  await page.getByTestId('category-save').click()
  await expect(page.getByTestId('category-row-name').filter({ hasText: categoryName })).toBeVisible()
  await shoot('categories')
  await audit('categories')

  // -- a product with two variants and a photo ----------------------------------------------------------
  const productName = `Waxed Cotton Rain Jacket ${run}`
  await page.goto('/admin/products')
  await audit('products')
  await page.getByTestId('product-new').click()
  await expect(page).toHaveURL(/\/admin\/products\/new$/)
  await control(page.getByTestId('editor-name')).fill(productName)
  await control(page.getByTestId('editor-category')).selectOption({ label: categoryName })
  await control(page.getByTestId('editor-description')).fill('A waxed cotton jacket that keeps the rain out.')
  const rows = page.getByTestId('variant-row')
  const fillVariant = async (row, { size, color, sku, price, stock }) => {
    await control(row.getByTestId('variant-size')).fill(size)
    await control(row.getByTestId('variant-color')).fill(color)
    await control(row.getByTestId('variant-sku')).fill(sku)
    await control(row.getByTestId('variant-price')).fill(price)
    await control(row.getByTestId('variant-stock')).fill(stock)
  }
  const sku = `RAIN-${run}`.toUpperCase()
  if ((await rows.count()) === 0) await page.getByTestId('variant-add').click()
  await fillVariant(rows.nth(0), { size: 'M', color: 'Olive', sku: `${sku}-M`, price: '129.00', stock: '2' })
  await page.getByTestId('variant-add').click()
  await fillVariant(rows.nth(1), { size: 'L', color: 'Olive', sku: `${sku}-L`, price: '129.00', stock: '14' })
  await shoot('product-new')
  await page.getByTestId('editor-save').click()
  await expect(page).toHaveURL(/\/admin\/products\/waxed-cotton-rain-jacket-[a-z0-9-]+$/)
  const slug = new URL(page.url()).pathname.split('/').pop()

  await page.getByTestId('photo-input').setInputFiles(PHOTO)
  await expect(page.getByTestId('photo')).toHaveCount(1, { timeout: 30_000 })
  await expect(page.getByTestId('photo').locator('img')).toHaveAttribute('src', /\/api\/products\/images\//)
  await shoot('product-edit')
  await audit('product-edit')

  // -- its Russian name and colour, beside the English: the storefront read in Russian shows them ---------
  const russianName = `Вощёная куртка от дождя ${run}`
  const russian = page.getByTestId('translation-ru')
  await control(russian.getByTestId('translation-name')).fill(russianName)
  await russian.locator('[data-value="Olive"]').fill('Оливковый')
  await expect(page.getByTestId('editor-dirty')).toBeVisible()
  await page.getByTestId('editor-save').click()
  await expect(page.getByTestId('editor-dirty')).toHaveCount(0)
  await expect(control(page.getByTestId('editor-name'))).toHaveValue(productName) // the English is its own field
  await shoot('product-russian')
  await page.goto(`/products/${slug}`)
  await expect(page.getByTestId('product-name')).toHaveText(productName)
  await page.getByTestId('locale').selectOption('ru') // what is on screen is read again, in Russian
  await expect(page.getByTestId('product-name')).toHaveText(russianName)
  await expect(page.locator('main')).toContainText('Оливковый')
  await expect(page.locator('main')).not.toContainText('Olive')
  await shoot('storefront-product-russian')
  await page.getByTestId('locale').selectOption('en')
  await expect(page.getByTestId('product-name')).toHaveText(productName)

  // -- the storefront shows it with that photo ------------------------------------------------------------
  await page.goto(`/products/${slug}`)
  await expect(page.getByTestId('product-name')).toHaveText(productName)
  const photo = page.locator('main img').first()
  await expect(photo).toHaveAttribute('srcset', /\/api\/products\/images\/\S+ 400w/)
  await expect.poll(() => photo.evaluate((img) => img.complete && img.naturalWidth > 0)).toBe(true)
  await shoot('storefront-product')

  // -- the order, found by the number the customer reads out, shipped -----------------------------------
  await page.goto('/admin/orders')
  if (phone) await page.getByTestId('filters-toggle').click() // a phone folds the filters away
  await control(page.getByTestId('filter-number')).fill(number.replace(/-/g, ' '))
  await page.getByTestId('filters-apply').click()
  const orderRow = page.getByTestId('admin-row')
  await expect(orderRow).toHaveCount(1)
  await expect(orderRow).toContainText(number)
  await shoot('orders')
  await audit('orders')
  await visible(orderRow.getByTestId('row-link')).click()
  await expect(page).toHaveURL(new RegExp(`/admin/orders/${shopper.order.id}$`))
  await expect(page.getByTestId('order-title')).toContainText(number)
  await expect(page.getByTestId('history-row')).not.toHaveCount(0)
  await audit('order')
  await page.getByTestId('move-shipped').click()
  await expect(page.getByTestId('move-delivered')).toBeVisible()
  await expect(page.getByTestId('move-shipped')).toHaveCount(0)
  await waitForMail(shopper.email, /on its way|shipped/i)
  await shoot('order-shipped')

  // -- the customer, found and deactivated: their session ends ------------------------------------------
  await page.goto('/admin/customers')
  if (phone) await page.getByTestId('filters-toggle').click()
  await control(page.getByTestId('filter-search')).fill(shopper.email)
  await page.getByTestId('filters-apply').click()
  const customerRow = page.getByTestId('admin-row')
  await expect(customerRow).toHaveCount(1)
  await audit('customers')
  await visible(customerRow.getByTestId('row-link')).click()
  await expect(page.getByTestId('customer-title')).toHaveText('Grace Hopper')
  await page.getByTestId('deactivate').click()
  const deactivated = page.waitForResponse((r) => r.url().endsWith('/deactivate/') && r.request().method() === 'POST')
  await page.getByTestId('confirm-dialog').getByTestId('confirm-ok').click()
  await expect(page.getByTestId('reactivate')).toBeVisible() // at once; the server's answer follows
  expect((await deactivated).status()).toBe(200)
  const refused = await request.get('/api/cart/', { headers: { Authorization: `Bearer ${shopper.tokens.access}` } })
  expect(refused.status()).toBe(401)
  expect((await request.post('/api/auth/refresh/', { data: { refresh: shopper.tokens.refresh } })).status()).toBe(401)
  await shoot('customer-deactivated')
  await audit('customer')

  // -- the dashboard shows the low-stock variant; restocked from its row --------------------------------
  await page.goto('/admin/')
  const row = page.getByTestId('low-stock').getByTestId('admin-row').filter({ hasText: `${sku}-M` })
  await expect(row).toHaveCount(1)
  await expect(row.getByTestId('stock-value')).toHaveText('2')
  await control(row.getByTestId('stock-input')).fill('25')
  await row.getByTestId('stock-save').click()
  await expect.poll(async () => {
    const detail = await (await request.get(`/api/products/${slug}/`)).json()
    return detail.variants.find((v) => v.sku === `${sku}-M`).stock
  }).toBe(25)
  await shoot('dashboard-restocked')
})
