import { expect, test as base, visible } from './fixtures.js'

// every audit here with axe's best practices of page structure too (headings, landmarks, roles)
const test = base.extend({
  audit: async ({ audit }, use) => use((name) => audit(name, { bestPractice: true })),
})

// Accessibility (WCAG 2.2 AA): axe-core on every page and state of the storefront, in both themes (the
// `audit` fixture), at 1280 px (project "desktop") and 390 px ("phone"); and what axe cannot see: focus moved
// to the new page's heading and the page announced, focus on the first invalid field, a skip link to the
// results, toasts that never cover the side cart's buttons, and a header that fits 320 px. Each project buys
// a product of its own, so the other journeys' stock stays as they expect it.

// each audit is two themes of axe: on a machine shared with other runs, more than the default two minutes
test.describe.configure({ timeout: 240_000 })

const PASSWORD = 'a long and quiet river 7'
const PRODUCTS = { desktop: 'stoneware-mug', phone: 'leather-card-holder' }
const SHIPPING = { full_name: 'Grace Hopper', phone: '+1 212 555 0100', address_line: '1 Navy Yard', city: 'Arlington',
  postal_code: '22202', country: 'United States' }

/** A new account (its email unconfirmed: the banner shows) signed in on `page`; its API headers. */
async function shopper(page, request, name, names = { first_name: 'Grace', last_name: 'Hopper' }) {
  const username = `pw_a11y_${name}_${Date.now().toString(36)}`
  const account = { username, email: `${username}@example.com`, password: PASSWORD, ...names }
  expect((await request.post('/api/auth/register/', { data: account })).status()).toBe(201)
  const pair = await (await request.post('/api/auth/login/', { data: { username, password: PASSWORD } })).json()
  await page.goto('/')
  await page.evaluate((p) => localStorage.setItem('shop.session', JSON.stringify({ access: p.access, refresh: p.refresh })), pair)
  await page.reload()
  await expect(page.getByTestId('account-menu')).toBeVisible()
  return { Authorization: `Bearer ${pair.access}` }
}

/** One unit of the project's product in the cart (through the API). */
async function addOne(request, headers, project) {
  const product = await (await request.get(`/api/products/${PRODUCTS[project]}/`)).json()
  const variant = product.variants.find((v) => v.stock > 2)
  expect(variant, `${product.slug} has a variant in stock`).toBeTruthy()
  const added = await request.post('/api/cart/add/', { headers, data: { product_id: product.id, variant_id: variant.id, quantity: 1 } })
  expect([200, 201]).toContain(added.status()) // a new line, or one more of the line there
}

/** An order placed through the API (`payment_method` cash_on_delivery or card). */
async function placeOrder(request, headers, project, method = 'cash_on_delivery') {
  await addOne(request, headers, project)
  const answer = await request.post('/api/order/create/', {
    headers: { ...headers, 'Idempotency-Key': crypto.randomUUID() },
    data: { shipping: SHIPPING, payment_method: method },
  })
  expect(answer.status()).toBe(201)
  return answer.json()
}

/** The page's h1 has focus (after a route change), and the route announcer said the page. */
async function expectFocusOnHeading(page) {
  await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1')
  await expect(page.getByTestId('route-announcer')).not.toBeEmpty()
}

test('the catalogue: a category, a search, none found, page 2; the 404 page', async ({ page, audit, expectError }, testInfo) => {
  await page.goto('/')
  await expect(page.getByTestId('product-card')).toHaveCount(12)
  await audit('catalogue')

  if (testInfo.project.name === 'phone') {
    const toggle = page.getByTestId('filters-toggle')
    if (await toggle.count()) {
      await toggle.click()
      await audit('catalogue-filters-open')
      await toggle.click()
    }
  }

  await page.getByTestId('next-page').click()
  await expect(page).toHaveURL(/[?&]page=2/)
  await expect(page.getByTestId('product-card')).toHaveCount(12)
  await audit('catalogue-page-2')

  await page.goto('/?category=footwear')
  await expect(page.getByTestId('result-count')).toHaveText('5 products')
  await audit('catalogue-category')

  await page.goto('/?q=oxford')
  await expect(page.getByTestId('product-card').first()).toBeVisible()
  await audit('search')

  await page.goto('/?q=zzzzqqqq')
  await expect(page.getByTestId('empty-state')).toBeVisible()
  await audit('search-nothing')

  expectError(/status of 404/) // the gateway answers an unknown page with 404 (and the SPA): the browser logs it
  await page.goto('/no/such/page')
  await expect(page.getByTestId('not-found')).toBeVisible()
  await audit('not-found')
})

test('the product pages', async ({ page, audit, expectError }) => {
  await page.goto('/products/brushed-flannel-overshirt')
  await expect(page.getByTestId('product-name')).toHaveText('Brushed Flannel Overshirt')
  await audit('product')
  await page.getByTestId('option-size').filter({ hasText: /^M$/ }).click() // the last one of M / Rust
  await expect(page.getByTestId('add-to-cart')).toBeEnabled()
  await page.getByTestId('option-color').filter({ hasText: 'Bottle Green' }).click({ force: true }) // sold out
  await audit('product-variant-chosen')

  await page.goto('/products/merino-long-sleeve-tee')
  await expect(page.getByTestId('add-to-cart')).toHaveText('Sold out')
  await audit('product-sold-out')

  // the browser logs two 404s: the page's own (the gateway answers an unknown product so) and the API's
  expectError(/status of 404/)
  expectError(/status of 404/)
  await page.goto('/products/no-such-product')
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  await audit('product-not-found')
})

test('the sign-in, register and forgot-password dialogs, and the pages of emailed links', async ({ page, audit, expectError }) => {
  await page.goto('/')
  await page.getByTestId('sign-in').click()
  const signIn = page.getByRole('dialog', { name: 'Sign in' })
  await expect(signIn.getByLabel('Username or email')).toBeFocused()
  await audit('sign-in')
  await signIn.getByTestId('auth-submit').click()
  await expect(signIn.getByTestId('field-error').first()).toBeVisible()
  await audit('sign-in-errors')

  await signIn.getByTestId('to-register').click()
  const register = page.getByRole('dialog', { name: 'Create your account' })
  await expect(register).toBeVisible()
  await audit('register')
  await register.getByLabel('Username').fill(`pw_a11y_weak_${Date.now().toString(36)}`)
  await register.getByLabel('Email').fill('weak@example.com')
  await register.getByLabel('Password').fill('password')
  expectError(/status of 422/)
  await register.getByTestId('auth-submit').click()
  await expect(register.locator('[data-field=password] [data-test=field-error]')).toBeVisible()
  await audit('register-errors')

  await register.getByTestId('to-signin').click()
  await page.getByRole('dialog', { name: 'Sign in' }).getByTestId('to-forgot').click()
  const forgot = page.getByRole('dialog', { name: 'Choose a new password' })
  await expect(forgot.getByLabel('Email')).toBeFocused()
  await audit('forgot-password')
  await forgot.getByTestId('auth-submit').click()
  await expect(forgot.getByTestId('field-error')).toBeVisible()
  await audit('forgot-password-errors')
  await page.keyboard.press('Escape')

  await page.goto('/password-reset#token=not-a-real-token')
  await expect(page.getByTestId('link-card-title')).toBeVisible()
  await audit('password-reset')
  expectError(/status of 400/)
  await page.getByLabel('New password', { exact: true }).fill('yet another quiet river 9')
  await page.getByTestId('reset-submit').click()
  await expect(page.getByTestId('link-card-title')).toHaveText('This link has expired')
  await audit('password-reset-bad-token')

  expectError(/status of 400/)
  await page.goto('/verify-email#token=not-a-real-token')
  await expect(page.getByTestId('verify-invalid')).toBeVisible()
  await audit('verify-email-bad-token')
})

test('the email banner, the cart and checkout of a signed-in shopper', async ({ page, request, audit }, testInfo) => {
  const project = testInfo.project.name
  const headers = await shopper(page, request, project, {})
  await expect(page.getByTestId('email-banner')).toBeVisible()
  await audit('email-banner')

  await page.goto('/orders')
  await expect(page.getByTestId('empty-state')).toBeVisible()
  await audit('orders-empty')

  await page.getByTestId('cart-button').click()
  const aside = page.getByRole('dialog', { name: /Your cart/ })
  await expect(aside.getByTestId('empty-state')).toBeVisible()
  await audit('cart-empty')
  await page.keyboard.press('Escape')

  await addOne(request, headers, project)
  await page.reload()
  await page.getByTestId('cart-button').click()
  await expect(aside.getByTestId('cart-line')).toHaveCount(1)
  await audit('cart-lines')
  await aside.getByTestId('checkout').click()

  // checkout: the address step; an invalid submit puts focus on the first invalid field
  await expect(page).toHaveURL(/\/checkout$/)
  const form = page.getByTestId('checkout-form')
  await expect(form.getByLabel('Full name')).toBeVisible()
  await audit('checkout')
  await page.getByTestId('place-order').click()
  await expect(form.getByLabel('Full name')).toBeFocused()
  await expect(form.getByLabel('Full name')).toHaveAttribute('aria-invalid', 'true')
  await audit('checkout-invalid')
  const payment = page.getByRole('group', { name: 'How would you like to pay?' })
  await payment.getByRole('radio', { name: /^Card/ }).check()
  await audit('checkout-payment')
})

test('the orders of a signed-in shopper, cancelling one, a toast', async ({ page, request, audit }, testInfo) => {
  const project = testInfo.project.name
  const headers = await shopper(page, request, `${project}_o`)
  const placed = await placeOrder(request, headers, project)
  await page.goto(`/checkout/thank-you/${placed.id}`)
  await expect(page.getByTestId('order-number')).toHaveText(placed.number)
  await audit('order-placed')

  await page.goto('/orders')
  await expect(page.getByTestId('order-row')).toHaveCount(1)
  await audit('orders')
  await page.getByTestId('order-row').click()
  await expect(page.getByTestId('order-line')).toHaveCount(1)
  await expectFocusOnHeading(page)
  await audit('order')

  // cancelling: the dialog, then focus on something that is still there (not the gone button)
  await page.getByTestId('cancel-order').click()
  const confirm = page.getByRole('dialog', { name: 'Cancel this order?' })
  await audit('order-cancel-dialog')
  await confirm.getByTestId('confirm-cancel').click()
  await expect(page.getByTestId('order-status')).toHaveText('Cancelled')
  await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1')
  const toast = page.getByRole('region', { name: 'Notifications' }).getByTestId('toast')
  await toast.hover() // a toast waits while the pointer is on it
  await expect(toast).toHaveText('Your order is cancelled.')
  await audit('toast')

  const card = await placeOrder(request, headers, project, 'card')
  await page.goto(`/orders/${card.id}/payment?left=1`)
  await expect(page.getByTestId('payment-outcome')).toHaveAttribute('data-outcome', 'left')
  await audit('order-payment')
})

test('the profile of a signed-in shopper, and the 403 page', async ({ page, request, audit }, testInfo) => {
  await shopper(page, request, `${testInfo.project.name}_p`)
  await page.goto('/profile')
  await expect(page.getByTestId('profile-form')).toBeVisible()
  await audit('profile')
  await page.getByTestId('password-form').getByTestId('change-password').click()
  await expect(page.getByTestId('password-form').getByTestId('field-error').first()).toBeVisible()
  await audit('profile-password-errors')
  await visible(page.getByTestId('add-address')).click()
  await expect(page.getByTestId('address-form')).toBeVisible()
  await audit('profile-address-form')

  await page.goto('/admin/')
  await expect(page.getByTestId('forbidden')).toBeVisible()
  await audit('forbidden')
})

test('the Russian storefront', async ({ page, audit }) => {
  await page.goto('/?category=footwear')
  await page.getByTestId('locale').selectOption('ru')
  await expect(page.getByTestId('result-count')).toHaveText('5 товаров')
  await audit('catalogue-ru')
  await page.goto('/products/brushed-flannel-overshirt')
  await expect(page.getByTestId('product-name')).toBeVisible()
  await audit('product-ru')
  await page.getByTestId('locale').selectOption('en')
})

test('a new page takes focus at its heading and is announced', async ({ page }) => {
  await page.goto('/')
  await expect(page.getByTestId('product-card')).toHaveCount(12)
  await page.getByTestId('product-card').first().getByRole('link').click()
  await expect(page).toHaveURL(/\/products\//)
  await expectFocusOnHeading(page)
  const name = await page.getByTestId('product-name').innerText()
  await expect(page.getByTestId('route-announcer')).toContainText(name)

  await page.goBack()
  await expectFocusOnHeading(page)
  await expect(page.getByTestId('route-announcer')).not.toContainText(name)

  // a filter is not a new page: focus stays on the control
  await page.getByTestId('in-stock').check()
  await expect(page).toHaveURL(/stock=1/)
  await expect(page.getByTestId('in-stock')).toBeFocused()
})

test('the results are a few Tabs from the search box, and a focused card shows it', async ({ page, shoot }) => {
  await page.goto('/')
  await expect(page.getByTestId('product-card')).toHaveCount(12)
  const search = visible(page.getByTestId('search'))
  await search.focus()
  let tabs = 0
  const onSkip = () => page.evaluate(() => document.activeElement?.dataset.test === 'skip-to-results')
  while (!(await onSkip()) && tabs < 8) {
    await page.keyboard.press('Tab')
    tabs += 1
  }
  expect(await onSkip(), 'the skip link is within 8 Tabs of the search box').toBe(true)
  await expect(page.getByTestId('skip-to-results')).toBeVisible()
  await shoot('skip-to-results')
  await page.keyboard.press('Enter')
  await page.keyboard.press('Tab')
  const first = page.getByTestId('product-card').first().getByRole('link')
  await expect(first).toBeFocused()
  // the focus ring: an outline of at least 2 px, not a hairline border
  const outline = await first.evaluate((el) => {
    const style = getComputedStyle(el)
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) }
  })
  expect(outline.style).not.toBe('none')
  expect(outline.width).toBeGreaterThanOrEqual(2)
  await shoot('card-focused')
})

test('a toast never covers the side cart’s buttons', async ({ page, request, shoot }, testInfo) => {
  const project = testInfo.project.name
  const who = `pw_a11y_t_${project}_${Date.now().toString(36)}`
  expect((await request.post('/api/auth/register/', { data: { username: who, email: `${who}@example.com`, password: PASSWORD } })).status()).toBe(201)
  await page.goto(`/products/${PRODUCTS[project]}`)
  for (const axis of await page.locator('fieldset:has([data-test^=option-])').all()) {
    await axis.locator('label:has(input:not([disabled]))').first().click()
  }
  await expect(page.getByTestId('add-to-cart')).toBeEnabled()
  await page.getByTestId('add-to-cart').click()
  const dialog = page.getByRole('dialog', { name: 'Sign in' })
  await dialog.getByLabel('Username or email').fill(who)
  await dialog.getByLabel('Password').fill(PASSWORD)
  await dialog.getByTestId('auth-submit').click()
  const aside = page.getByRole('dialog', { name: /Your cart/ })
  await expect(aside.getByTestId('cart-line')).toHaveCount(1)
  const toast = page.getByTestId('toast').first()
  await expect(toast).toBeVisible()
  await toast.hover() // it waits while the pointer is on it
  await shoot('toast-in-side-cart')
  const overlaps = await page.evaluate(() => {
    const box = document.querySelector('[data-test=toast]').getBoundingClientRect()
    const controls = [...document.querySelectorAll('[role=dialog] :is(button, a, input, select)')]
    return controls.filter((el) => !el.closest('.toast')).filter((el) => {
      const r = el.getBoundingClientRect()
      return r.width > 0 && r.left < box.right && r.right > box.left && r.top < box.bottom && r.bottom > box.top
    }).map((el) => el.outerHTML.slice(0, 80))
  })
  expect(overlaps, 'controls of the side cart under the toast').toEqual([])
  // the toast is inside the dialog: aria-modal hides the rest of the page from screen readers
  await expect(aside.getByRole('status').getByText(`Welcome back, ${who}!`)).toBeVisible()
})

test('the header fits a 320 px screen', async ({ page, request, shoot }, testInfo) => {
  test.skip(testInfo.project.name !== 'phone', 'a phone’s width')
  await page.setViewportSize({ width: 320, height: 640 })
  const fits = () => page.evaluate(() => document.scrollingElement.scrollWidth)
  await page.goto('/')
  await expect(page.getByTestId('product-card').first()).toBeVisible()
  expect(await fits(), 'a guest').toBeLessThanOrEqual(320)
  await page.getByTestId('locale').selectOption('ru')
  await expect(page.getByTestId('result-count')).toContainText('товар')
  expect(await fits(), 'a guest, in Russian').toBeLessThanOrEqual(320)
  await page.getByTestId('locale').selectOption('en')
  const headers = await shopper(page, request, 'narrow')
  await addOne(request, headers, testInfo.project.name)
  await page.reload()
  await expect(page.getByTestId('cart-count')).toHaveText('1')
  expect(await fits(), 'signed in, with a cart').toBeLessThanOrEqual(320)
  await shoot('header-320')
  for (const path of ['/products/brushed-flannel-overshirt', '/checkout', '/orders', '/profile']) {
    await page.goto(path)
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
    expect(await fits(), path).toBeLessThanOrEqual(320)
  }
})
