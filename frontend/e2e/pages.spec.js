import { expect, test } from './fixtures.js'

// The rest of the shop: sold-out variants, the profile, the 404 page, the language and the theme.

test('the product page shows which variants are sold out', async ({ page }) => {
  await page.goto('/products/brushed-flannel-overshirt')
  await expect(page.getByTestId('product-name')).toHaveText('Brushed Flannel Overshirt')
  const green = page.getByTestId('option-color').filter({ hasText: 'Bottle Green' })
  await expect(green).toContainText('(Sold out)')
  await expect(green.locator('input')).toBeDisabled()
  const large = page.getByTestId('option-size').filter({ hasText: /^L/ })
  await expect(large.locator('input')).toBeDisabled()
  await page.getByTestId('option-size').filter({ hasText: /^M$/ }).click()
  await expect(page.getByTestId('add-to-cart')).toBeEnabled()

  await page.goto('/products/merino-long-sleeve-tee')
  await expect(page.getByTestId('add-to-cart')).toBeDisabled()
  await expect(page.getByTestId('add-to-cart')).toHaveText('Sold out')
})

test('the add button and the steppers stop at what is in stock', async ({ page, request }, testInfo) => {
  const who = `pw_s_${testInfo.project.name}_${Date.now().toString(36)}`
  const password = 'a long and quiet river 7'
  await request.post('/api/auth/register/', { data: { username: who, email: `${who}@example.com`, password } })
  const pair = await (await request.post('/api/auth/login/', { data: { username: who, password } })).json()
  await page.goto('/')
  await page.evaluate((tokens) => localStorage.setItem('shop.session', JSON.stringify(tokens)), pair)

  // Brushed Flannel Overshirt: one left of M / Rust
  await page.goto('/products/brushed-flannel-overshirt')
  await page.getByTestId('option-size').filter({ hasText: /^M$/ }).click()
  const stepper = page.getByRole('group', { name: 'Quantity' })
  await expect(stepper.getByTestId('increase')).toBeDisabled()
  await stepper.getByTestId('quantity').fill('5')
  await stepper.getByTestId('quantity').press('Tab')
  await expect(stepper.getByTestId('quantity')).toHaveValue('1')
  await expect(page.getByTestId('quantity-notice')).toHaveText('Only 1 more can go in your cart, so the quantity is 1.')
  await page.getByTestId('add-to-cart').click()
  const line = page.getByRole('dialog', { name: /Your cart/ }).getByTestId('cart-line')
  await expect(line).toHaveCount(1)
  await expect(line.getByTestId('increase')).toBeDisabled()
  // typed past what is left, the quantity stops at it, and the line says so
  await line.getByTestId('quantity').fill('5')
  await line.getByTestId('quantity').press('Tab')
  await expect(line.getByTestId('quantity')).toHaveValue('1')
  await expect(line.getByTestId('line-notice')).toHaveText('Only 1 left, so the quantity is 1, not 5.')
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('add-to-cart')).toBeDisabled()
  await expect(page.getByTestId('add-to-cart')).toHaveText('All that is left is in your cart')
  await expect(page.getByTestId('in-cart')).toHaveText('1 in your cart')

  // clearing the cart can be undone, from its toast
  await page.getByTestId('cart-button').click()
  await page.getByTestId('clear-cart').click()
  await expect(page.getByTestId('empty-state')).toContainText('Your cart is empty')
  await expect(page.getByTestId('cart-count')).toHaveCount(0)
  const toasts = page.getByRole('region', { name: 'Notifications' })
  await expect(toasts).toContainText('Your cart is cleared.')
  await toasts.getByRole('button', { name: 'Undo' }).click()
  await expect(toasts).toContainText('Your cart is back as it was.')
  await expect(line).toHaveCount(1)
  await expect(page.getByTestId('cart-count')).toHaveText('1')

  await page.getByTestId('clear-cart').click()
  await expect(page.getByTestId('empty-state')).toContainText('Your cart is empty')
  await expect(page.getByTestId('cart-count')).toHaveCount(0)
})

test('the language follows the browser', async ({ browser }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'once is enough')
  const context = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1280, height: 860 } })
  const page = await context.newPage()
  const errors = []
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto('/')
  await expect(page.locator('html')).toHaveAttribute('lang', 'ru')
  await expect(page.getByTestId('result-count')).toHaveText('45 товаров')
  await context.close()
  expect(errors).toEqual([])
})

test('profile, 404, language and theme', async ({ page, shoot, request, expectError }, testInfo) => {
  const who = `pw_p_${testInfo.project.name}_${Date.now().toString(36)}`
  const password = 'a long and quiet river 7'
  expect((await request.post('/api/auth/register/', { data: { username: who, email: `${who}@example.com`, password } })).status()).toBe(201)

  await page.goto('/profile') // a guest is asked to sign in, then taken there
  const dialog = page.getByRole('dialog', { name: 'Sign in' })
  await dialog.getByLabel('Username or email').fill(who)
  await dialog.getByLabel('Password').fill('wrong password')
  expectError(/status of 401/) // the browser logs the refused login; the page says what went wrong
  await dialog.getByTestId('auth-submit').click()
  await expect(dialog.getByTestId('form-error')).toHaveText('Wrong username or password.')
  await dialog.getByLabel('Password').fill(password)
  await dialog.getByTestId('auth-submit').click()
  await expect(page).toHaveURL(/\/profile$/)
  await expect(page.getByTestId('profile-username')).toHaveText(who)

  const form = page.getByTestId('profile-form')
  await form.getByLabel('First name').fill('Grace')
  await form.getByLabel('Last name').fill('Hopper')
  await form.getByLabel('Phone').fill('+1 202 555 0143')
  await form.getByTestId('save-profile').click()
  await expect(page.getByText('Your details are saved.')).toBeVisible()
  await expect(page.getByTestId('profile-name')).toHaveText('Grace Hopper')
  await shoot('profile')

  expectError(/status of 404/) // the browser logs the page's 404 status
  expect((await page.goto('/no/such/page')).status()).toBe(404)
  await expect(page.getByTestId('not-found')).toHaveText('This page does not exist')
  await shoot('not-found')

  // language: Russian texts, prices in the Russian format, remembered
  await page.goto('/?category=footwear')
  await page.getByTestId('locale').selectOption('ru')
  await expect(page.getByTestId('result-count')).toHaveText('5 товаров')
  await expect(page.locator('html')).toHaveAttribute('lang', 'ru')
  await expect(page.locator('[data-test=product-card] .card__price').first()).toContainText(/\d,00\s\$/)
  await shoot('catalogue-ru')
  await page.reload()
  await expect(page.getByTestId('result-count')).toHaveText('5 товаров')
  await page.getByTestId('locale').selectOption('en')
  await expect(page.getByTestId('result-count')).toHaveText('5 products')

  // theme: dark first, light remembered
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  await page.getByTestId('theme-toggle').click()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light')
  await page.reload()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light')
})
