import { expect, test, visible } from './fixtures.js'

// A guest browses, filters and searches, opens a product, picks a size, is asked to sign in, registers,
// adds to the cart, changes the quantity in the side cart, checks out, sees the order in the history and
// cancels it. The same journey runs on a wide screen (project "desktop") and on a phone ("phone").

const price = (text) => Number(text.replace(/[^0-9.]/g, ''))

async function prices(page) {
  return (await page.locator('[data-test=product-card] .card__price').allInnerTexts()).map(price)
}

test('a shopper finds, buys and cancels', async ({ page, shoot, expectError }, testInfo) => {
  const who = `pw_${testInfo.project.name}_${Date.now().toString(36)}`

  // -- the catalogue, as a guest --------------------------------------------------------------------------
  await page.goto('/')
  await expect(page.getByTestId('result-count')).toHaveText('45 products')
  await expect(page.getByTestId('product-card')).toHaveCount(12)
  await expect(page.getByTestId('cart-count')).toHaveCount(0)
  await shoot('catalogue')

  // pagination is in the URL
  await page.getByTestId('next-page').click()
  await expect(page).toHaveURL(/[?&]page=2/)
  await expect(page.getByTestId('product-card')).toHaveCount(12)

  // filters: category, sort, price range, in stock: each one a URL
  await page.getByTestId('category').filter({ hasText: 'Shirts & Tops' }).click()
  await expect(page).toHaveURL(/\?category=shirts-tops$/)
  await expect(page.getByTestId('catalogue-title')).toHaveText('Shirts & Tops')
  await expect(page.getByTestId('result-count')).toHaveText('6 products')
  await page.getByTestId('sort').selectOption('-price')
  await expect(page).toHaveURL(/sort=-price/)
  await expect.poll(async () => {
    const list = await prices(page)
    return list.length === 6 && list.every((p, i) => i === 0 || list[i - 1] >= p)
  }).toBe(true)
  await page.getByTestId('max-price').fill('70')
  await page.getByTestId('apply-price').click()
  await expect(page).toHaveURL(/max=70/)
  await expect.poll(async () => (await prices(page)).every((p) => p <= 70)).toBe(true)
  const underSeventy = await page.getByTestId('result-count').innerText()
  await page.getByTestId('in-stock').check()
  await expect(page).toHaveURL(/stock=1/)
  await expect(page.getByTestId('product-card').getByText('Sold out')).toHaveCount(0)
  await shoot('catalogue-filtered')

  // the back button restores the previous filters
  await page.goBack()
  await expect(page).not.toHaveURL(/stock=1/)
  await expect(page.getByTestId('in-stock')).not.toBeChecked()
  await expect(page.getByTestId('result-count')).toHaveText(underSeventy)
  await expect(page.getByTestId('max-price')).toHaveValue('70')

  // search
  const search = visible(page.getByTestId('search'))
  await search.fill('oxford')
  await search.press('Enter')
  await expect(page).toHaveURL(/\?q=oxford$/)
  await expect(page.getByTestId('catalogue-title')).toHaveText('Results for “oxford”')
  const card = page.getByTestId('product-card').filter({ hasText: 'Oxford Button-Down Shirt' })
  await expect(card).toBeVisible()
  await shoot('search')

  // -- the product ------------------------------------------------------------------------------------------
  await card.click()
  await expect(page).toHaveURL(/\/products\/oxford-button-down-shirt$/)
  await expect(page.getByTestId('product-name')).toHaveText('Oxford Button-Down Shirt')
  await expect(page.getByTestId('product-price')).toHaveText('$68.00')
  await expect(page.getByTestId('attributes')).toContainText('Northfold')
  const add = page.getByTestId('add-to-cart')
  await expect(add).toBeDisabled()
  await expect(add).toHaveText(/Choose a size/)
  await shoot('product')

  await page.getByTestId('option-size').filter({ hasText: /^M$/ }).click()
  await expect(page.locator('legend', { hasText: 'Size' })).toHaveText('Size: M')
  await expect(add).toBeEnabled()
  await page.getByRole('group', { name: 'Quantity' }).getByTestId('increase').click()
  await page.getByRole('group', { name: 'Quantity' }).getByTestId('decrease').click()

  // -- asked to sign in; registers; the add goes through -----------------------------------------------
  await add.click()
  const dialog = page.getByRole('dialog', { name: 'Sign in' })
  await expect(dialog).toBeVisible()
  await expect(dialog.getByTestId('auth-reason')).toContainText('add this to your cart')
  await expect(dialog.getByLabel('Username or email')).toBeFocused()
  await shoot('sign-in')

  await dialog.getByTestId('to-register').click()
  const register = page.getByRole('dialog', { name: 'Create your account' })
  await register.getByTestId('auth-submit').click() // empty: the fields say what is missing
  await expect(register.getByTestId('field-error').first()).toHaveText('Please fill this in.')
  await register.getByLabel('Username').fill(who)
  await register.getByLabel('Email').fill(`${who}@example.com`)
  await register.getByLabel('Password').fill('password')
  await register.getByLabel('First name').fill('Ada')
  await register.getByLabel('Last name').fill('Lovelace')
  expectError(/status of 422/) // the browser logs the refusal; the form shows the server's field error
  await register.getByTestId('auth-submit').click()
  await expect(register.locator('[data-field=password] [data-test=field-error]')).toHaveText('This password is too common: choose one that is harder to guess.')
  await shoot('register-errors')
  await register.getByLabel('Password').fill('a long and quiet river 7')
  await register.getByTestId('auth-submit').click()

  // signed in, the item added, the side cart open
  await expect(register).toBeHidden()
  const aside = page.getByRole('dialog', { name: /Your cart/ })
  await expect(aside).toBeVisible()
  const line = aside.getByTestId('cart-line')
  await expect(line).toHaveCount(1)
  await expect(line.getByTestId('line-label')).toHaveText('M / Pale Blue')
  await expect(line.getByTestId('line-total')).toHaveText('$68.00')
  await expect(page.getByTestId('cart-count')).toHaveText('1')
  await shoot('side-cart')

  // -- the quantity in the side cart: shown at once, confirmed by the server ---------------------------
  const updated = page.waitForResponse((r) => r.url().includes('/api/cart/update/') && r.status() === 200)
  await line.getByTestId('increase').click()
  await expect(line.getByTestId('quantity')).toHaveValue('2')
  await expect(line.getByTestId('line-total')).toHaveText('$136.00')
  await updated
  await expect(aside.getByTestId('cart-total')).toHaveText('$136.00')
  await expect(page.getByTestId('cart-count')).toHaveText('2')

  // -- checkout ---------------------------------------------------------------------------------------------
  await aside.getByTestId('checkout').click()
  await expect(page).toHaveURL(/\/checkout$/)
  const form = page.getByTestId('checkout-form')
  await expect(form.getByLabel('Full name')).toHaveValue('Ada Lovelace')
  await expect(page.getByTestId('checkout-total')).toHaveText('$136.00')
  await form.getByLabel('Phone').fill('call me')
  await page.getByTestId('place-order').click() // the form checks what the API will check
  await expect(form.locator('[data-field=phone] [data-test=field-error]')).toContainText('phone number')
  await expect(form.locator('[data-field=city] [data-test=field-error]')).toHaveText('Please fill this in.')
  await shoot('checkout-errors')
  await form.getByLabel('Phone').fill('+44 20 7946 0958')
  await form.getByLabel('Street and house number').fill("12 St James's Square")
  await form.getByLabel('City').fill('London')
  await form.getByLabel('Postal code').fill('SW1Y 4JH')
  await form.getByLabel('Country').fill('United Kingdom')
  await form.getByLabel(/Anything we should know/).fill('Please ring twice.')
  await shoot('checkout')

  const created = page.waitForResponse((r) => r.url().endsWith('/api/order/create/'))
  await page.getByTestId('place-order').click()
  const response = await created
  expect(response.status()).toBe(201)
  expect(response.request().headers()['idempotency-key']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  const order = await response.json()
  await expect(page).toHaveURL(new RegExp(`/checkout/thank-you/${order.id}$`))
  await expect(page.getByTestId('order-number')).toHaveText(order.number)
  expect(order.number).toMatch(/^\d{3}-\d{3}-\d{3}$/)
  await expect(page.getByTestId('cart-count')).toHaveCount(0) // the server emptied the cart
  await shoot('order-placed')

  // -- the history, the order, cancel -----------------------------------------------------------------
  await page.getByTestId('account-menu').click()
  await page.getByTestId('nav-orders').click()
  await expect(page).toHaveURL(/\/orders$/)
  const row = page.getByTestId('order-row').filter({ hasText: order.number })
  await expect(row).toHaveCount(1)
  await expect(row.getByTestId('order-status')).toHaveText('Confirmed')
  await shoot('orders')

  await row.click()
  await expect(page).toHaveURL(new RegExp(`/orders/${order.id}$`))
  await expect(page.getByTestId('order-line')).toHaveCount(1)
  await expect(page.getByTestId('order-total')).toHaveText('$136.00')
  await shoot('order')
  await page.getByTestId('cancel-order').click()
  const confirm = page.getByRole('dialog', { name: 'Cancel this order?' })
  await expect(confirm).toBeVisible()
  await page.keyboard.press('Escape') // a modal closes on Escape, and nothing happens
  await expect(confirm).toBeHidden()
  await expect(page.getByTestId('order-status')).toHaveText('Confirmed')
  await page.getByTestId('cancel-order').click()
  await confirm.getByTestId('confirm-cancel').click()
  await expect(page.getByTestId('order-status')).toHaveText('Cancelled')
  await expect(page.getByTestId('cancel-order')).toHaveCount(0)
  await shoot('order-cancelled')

  // the session survives a reload
  await page.reload()
  await expect(page.getByTestId('order-status')).toHaveText('Cancelled')
  await expect(page.getByTestId('account-menu')).toBeVisible()
  await page.goto('/orders')
  await expect(page.getByTestId('order-row').filter({ hasText: order.number }).getByTestId('order-status')).toHaveText('Cancelled')
})
