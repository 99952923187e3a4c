import { randomUUID } from 'node:crypto'

import { expect, test } from './fixtures.js'

// The shopping journey once in Russian, with a Russian browser: the catalogue, a product, the cart, signing up
// (refused once for a bad email and a short password, once for a common one), the side cart cutting a quantity
// to the stock and saying so, clearing the cart and undoing it, checkout refused because a line sold out
// meanwhile and going on without it, the order placed and the orders. On every page, the text the shopper sees
// holds no English: no run of Latin letters but the shop's name, "email" (as Russian writes it) and what is the
// shopper's own, a code or a name (their username and email, SKUs, sizes, currency codes, the product's brand).

test.use({ locale: 'ru-RU' })

const PASSWORD = 'тихая река течёт 7'
const SHIPPING = { full_name: 'Анна Каренина', phone: '+7 495 123-45-67', address_line: 'ул. Тверская, 1', city: 'Москва',
  postal_code: '125009', country: 'Россия' }
// products other journeys count on as they are (their stock, their sold-out variants)
const OTHERS = new Set(['oxford-button-down-shirt', 'brushed-flannel-overshirt', 'merino-long-sleeve-tee'])
/** Latin words a Russian page may show: the shop's name, "email", a cookie, the example address, the languages. */
const ALLOWED = new Set(['shop', 'email', 'cookie', 'name', 'example', 'com', 'en', 'ru', 'usd', 'eur', 'rub'])

/** A product of several variants in stock, one of them with a few left (2..40): {product, variant, other}. */
async function pickProduct(request) {
  const headers = { 'Accept-Language': 'ru' }
  const page = await (await request.get('/api/products/?page_size=100&in_stock=true&ordering=name', { headers })).json()
  for (const card of page.results) {
    if (OTHERS.has(card.slug)) continue
    const product = await (await request.get(`/api/products/${card.slug}/`, { headers })).json()
    const variant = product.variants.find((v) => v.stock >= 2 && v.stock <= 40)
    const other = product.variants.find((v) => v !== variant && v.stock >= 2)
    if (variant && other && product.variants.length >= 2) return { product, variant, other }
  }
  throw new Error('no product of several variants with a few left')
}

/** Every word of Latin letters the page shows that is not allowed, `own` (strings that are the shopper's or
 * codes) taken out first. */
async function englishOn(page, own) {
  let text = await page.evaluate(() => document.body.innerText)
  for (const s of [...own].sort((a, b) => b.length - a.length)) text = text.split(s).join(' ')
  const words = [...text.matchAll(/[A-Za-z][A-Za-z'’]*[A-Za-z]/g)].map((m) => m[0])
  return [...new Set(words.filter((w) => !ALLOWED.has(w.toLowerCase())))]
}

test('a Russian shopper buys, and every page speaks Russian', async ({ page, request, shoot, expectError }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'once is enough')
  test.setTimeout(240_000)
  const who = `pw_ru_${Date.now().toString(36)}`
  const email = `${who}@example.com`
  const { product, variant, other } = await pickProduct(request)
  // sizes that are codes (M, XL, 42), not words ("Small, 30 hours" is the catalogue's text)
  const codes = product.variants.flatMap((v) => [v.sku, /^[A-Z0-9]{1,4}$/.test(v.attributes.size ?? '') && v.attributes.size])
  // the brand is a maker's name, written as the maker writes it in any language (the product page shows it in capitals)
  const brand = product.attributes?.brand
  const own = new Set([who, email, ...codes.filter(Boolean), ...(brand ? [brand, brand.toUpperCase()] : [])])
  const check = async (where) => expect.soft(await englishOn(page, own), `English on ${where}`).toEqual([])

  // -- the catalogue and a product, as a guest -------------------------------------------------------------
  await page.goto('/')
  await expect(page.locator('html')).toHaveAttribute('lang', 'ru')
  await expect(page.getByTestId('result-count')).toHaveText(/товар/)
  await check('the catalogue')

  await page.goto(`/products/${product.slug}`)
  await expect(page.getByTestId('product-name')).toBeVisible()
  for (const [axis, value] of Object.entries(variant.attributes)) {
    await page.getByTestId(`option-${axis}`).filter({ hasText: value }).first().click()
  }
  await check('the product')
  await page.getByTestId('add-to-cart').click()

  // -- signing up: each refusal said at its field, in Russian ----------------------------------------------
  const signIn = page.getByRole('dialog', { name: 'Вход' })
  await expect(signIn).toBeVisible()
  await signIn.getByTestId('to-register').click()
  const register = page.getByRole('dialog', { name: 'Создание аккаунта' })
  await register.locator('[data-field=username] input').fill(who)
  await register.locator('[data-field=email] input').fill('not-an-email')
  await register.locator('[data-field=password] input').fill('short')
  await register.locator('[data-field=first_name] input').fill('Анна')
  await register.locator('[data-field=last_name] input').fill('Каренина')
  expectError(/status of 422/)
  await register.getByTestId('auth-submit').click()
  await expect(register.locator('[data-field=email] [data-test=field-error]')).toHaveText(/^Введите адрес электронной почты/)
  await expect(register.locator('[data-field=password] [data-test=field-error]')).toHaveText('Не короче 8 символов.')
  await check('sign-up, a bad email and a short password')
  await shoot('register-errors')

  await register.locator('[data-field=email] input').fill(email)
  await register.locator('[data-field=password] input').fill('password123')
  expectError(/status of 422/)
  await register.getByTestId('auth-submit').click()
  await expect(register.locator('[data-field=password] [data-test=field-error]')).toHaveText(/^Этот пароль слишком распространён/)
  await expect(register.locator('[data-field=email] [data-test=field-error]')).toHaveCount(0)
  await check('sign-up, a common password')
  await register.locator('[data-field=password] input').fill(PASSWORD)
  await register.getByTestId('auth-submit').click()
  await expect(register).toBeHidden()

  // -- the side cart: the add went through; a quantity above the stock is cut to it, and said -------------
  const aside = page.getByRole('dialog', { name: /Корзина/ })
  await expect(aside).toBeVisible()
  const line = aside.getByTestId('cart-line')
  await expect(line).toHaveCount(1)
  const updated = page.waitForResponse((r) => r.url().includes('/api/cart/update/') && r.status() === 200)
  await line.getByTestId('quantity').fill('99')
  await line.getByTestId('quantity').press('Tab')
  await expect(line.getByTestId('line-notice'))
    .toHaveText(`Осталось только ${variant.stock} шт., поэтому количество — ${variant.stock}, а не 99.`)
  await expect(line.getByTestId('quantity')).toHaveValue(String(variant.stock))
  await updated
  await check('the side cart, a quantity cut to the stock')
  await shoot('side-cart-cut')

  // a second line, through the API (as another tab would add it), then the cart read afresh
  const tokens = await page.evaluate(() => JSON.parse(localStorage.getItem('shop.session')))
  const auth = { Authorization: `Bearer ${tokens.access}` }
  expect((await request.post('/api/cart/add/', { headers: { ...auth, 'Idempotency-Key': randomUUID() },
    data: { product_id: product.id, variant_id: other.id, quantity: 1 } })).ok()).toBe(true)
  await page.reload()
  await page.getByTestId('cart-button').click()
  await expect(aside.getByTestId('cart-line')).toHaveCount(2)

  // -- clearing the cart, undone ----------------------------------------------------------------------------
  await aside.getByTestId('clear-cart').click()
  await expect(aside.getByTestId('cart-line')).toHaveCount(0)
  const toasts = page.getByRole('region', { name: 'Уведомления' })
  await expect(toasts).toContainText('Корзина очищена.')
  await toasts.getByTestId('toast-action').click()
  await expect(toasts).toContainText('Корзина восстановлена.')
  await expect(aside.getByTestId('cart-line')).toHaveCount(2)
  await check('the side cart, put back')
  await shoot('side-cart-back')

  // -- checkout, refused: the line sold out meanwhile (another shopper bought every one left) ---------------
  await aside.getByTestId('checkout').click()
  await expect(page).toHaveURL(/\/checkout$/)
  const form = page.getByTestId('checkout-form')
  for (const [name, value] of Object.entries(SHIPPING)) await form.locator(`[name=${name}]`).fill(value)
  await check('checkout')

  const rival = `${who}_b`
  await request.post('/api/auth/register/', { data: { username: rival, email: `${rival}@example.com`, password: PASSWORD } })
  const theirs = await (await request.post('/api/auth/login/', { data: { username: rival, password: PASSWORD } })).json()
  const their = { Authorization: `Bearer ${theirs.access}` }
  expect((await request.post('/api/cart/add/', { headers: { ...their, 'Idempotency-Key': randomUUID() },
    data: { product_id: product.id, variant_id: variant.id, quantity: variant.stock } })).ok()).toBe(true)
  expect((await request.post('/api/order/create/', { headers: { ...their, 'Idempotency-Key': randomUUID() },
    data: { shipping: SHIPPING } })).status()).toBe(201)

  expectError(/status of 409/)
  await page.getByTestId('place-order').click()
  await expect(page.getByTestId('checkout-error')).toContainText('распродано')
  await expect(page.getByTestId('checkout-error')).not.toContainText('осталось 0')
  await expect(page.getByTestId('line-sold-out')).toHaveText('Распродано')
  const price = Number(other.price).toFixed(2).replace('.', ',')
  await expect(page.getByTestId('checkout-total')).toContainText(price) // the sold-out line is out of the total
  await expect(page.getByTestId('place-order')).toHaveText('Оформить заказ без них')
  await check('checkout, refused')
  await shoot('checkout-sold-out')

  // -- going on without it: the order placed, then the orders ------------------------------------------------
  await page.getByTestId('place-order').click()
  await expect(page).toHaveURL(/\/checkout\/thank-you\/\d+$/)
  await expect(page.getByTestId('order-number')).toHaveText(/^\d{3}-\d{3}-\d{3}$/)
  const number = await page.getByTestId('order-number').innerText()
  own.add(number)
  await check('the order placed')

  await page.goto('/orders')
  const row = page.getByTestId('order-row').filter({ hasText: number })
  await expect(row).toHaveCount(1)
  await check('the orders')
  await row.click()
  await expect(page.getByTestId('order-line')).toHaveCount(1)
  await check('the order')
  await shoot('order')
})
