import { expect, test } from './fixtures.js'
import { ownShop, staffLogin, waitForMail, waitForMessage } from './shop.js'

// Paying for an order: by the sandbox's test card (the order is confirmed by the provider's webhook, and
// the return page says so), by a declined card (the order is cancelled, its stock is back, the shopper is
// told), on delivery, and cancelling a paid order (refunded, and the email says so). The card is entered on
// the sandbox's own page that payments serves, outside the SPA, as it would be on Stripe's. The stack runs
// payments with the sandbox provider (dev/stack.py). Each project pays for a product of its own, so the two
// running side by side never move each other's stock.

const PASSWORD = 'a long and quiet river 7'
const PAYS = '4242 4242 4242 4242'
const DECLINED = '4000 0000 0000 0002'
const PRODUCTS = { desktop: 'garment-dyed-chinos', phone: 'heavyweight-pocket-tee' }
const SHIPPING = { 'Street and house number': '1 Navy Yard', City: 'Arlington', 'Postal code': '22202', Country: 'United States' }

/** A new shopper signed in through the API, the tokens put where the SPA keeps them; `{email, headers}`. */
async function shopper(page, request, name) {
  const who = `pw_pay_${name}_${Date.now().toString(36)}`
  const email = `${who}@example.com`
  const account = { username: who, email, password: PASSWORD, first_name: 'Grace', last_name: 'Hopper' }
  expect((await request.post('/api/auth/register/', { data: account })).status()).toBe(201)
  const tokens = await (await request.post('/api/auth/login/', { data: { username: who, password: PASSWORD } })).json()
  await page.goto('/')
  await page.evaluate((pair) => localStorage.setItem('shop.session', JSON.stringify(pair)), tokens)
  return { email, headers: { Authorization: `Bearer ${tokens.access}` } }
}

/** One unit of a variant in stock of the project's product put in the cart; `{slug, variantId, stock}` as
 * it was before. */
async function addOne(request, buyer, project) {
  const slug = PRODUCTS[project]
  const product = await (await request.get(`/api/products/${slug}/`)).json()
  const variant = product.variants.find((v) => v.stock > 1)
  expect(variant, `${slug} has a variant in stock`).toBeTruthy()
  const added = await request.post('/api/cart/add/', { headers: buyer.headers, data: { product_id: product.id, variant_id: variant.id, quantity: 1 } })
  expect(added.status()).toBe(201)
  return { slug, variantId: variant.id, stock: variant.stock }
}

const stockOf = async (request, { slug, variantId }) =>
  (await (await request.get(`/api/products/${slug}/`)).json()).variants.find((v) => v.id === variantId).stock

const orderOf = async (request, buyer, id) => (await request.get(`/api/order/${id}/`, { headers: buyer.headers })).json()

/** Fill the shipping form, pick `method` ("Pay on delivery" or "Card") and place the order; the created order. */
async function checkout(page, method, { audit, shoot } = {}) {
  await page.goto('/checkout')
  const form = page.getByTestId('checkout-form')
  await expect(form.getByLabel('Full name')).toHaveValue('Grace Hopper')
  await form.getByLabel('Phone').fill('+1 212 555 0100')
  for (const [label, value] of Object.entries(SHIPPING)) await form.getByLabel(label).fill(value)
  const payment = page.getByRole('group', { name: 'How would you like to pay?' })
  await expect(payment.getByRole('radio', { name: /^Card/ })).toBeVisible() // the sandbox is on: the card is offered
  await payment.getByRole('radio', { name: new RegExp(`^${method}`) }).check()
  if (audit) await audit('checkout-payment')
  if (shoot) await shoot(`checkout-${method === 'Card' ? 'card' : 'on-delivery'}`)
  // the answer is read on its way to the page: a card order's page leaves for the provider's at once, and a
  // response of a page navigated away from has no body left to read
  let created = null
  await page.route('**/api/order/create/', async (route) => {
    const response = await route.fetch()
    created = { status: response.status(), body: await response.json(), sent: route.request().postDataJSON() }
    await route.fulfill({ response })
  })
  await page.getByTestId('place-order').click()
  await expect.poll(() => created !== null, { message: 'the order is created' }).toBe(true)
  await page.unroute('**/api/order/create/')
  expect(created.status).toBe(201)
  expect(created.sent.payment_method).toBe(method === 'Card' ? 'card' : 'cash_on_delivery')
  return created.body
}

/** On the sandbox's page of `order` (served by payments through the gateway, outside the SPA). */
async function onSandbox(page, order) {
  await page.waitForURL((url) => url.href === order.payment.redirect_url)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Pay for order ${order.number}`)
}

/** On the sandbox's page: enter `number` and press Pay. */
async function payOnSandbox(page, order, number) {
  await onSandbox(page, order)
  await page.getByLabel('Card number').fill(number)
  await page.getByLabel('Expiry date').fill('12/34')
  await page.getByLabel('Security code (CVC)').fill('123')
  await page.getByLabel('Name on the card').fill('Grace Hopper')
  await page.getByRole('button', { name: `Pay ${order.payment.amount} ${order.payment.currency}` }).click()
}

test.describe('payments', () => {
  test('pays by card on the provider’s page, is confirmed by the webhook, then cancels and is refunded', async ({ page, request, shoot, audit }, testInfo) => {
    const buyer = await shopper(page, request, testInfo.project.name)
    const bought = await addOne(request, buyer, testInfo.project.name)

    const order = await checkout(page, 'Card', { audit, shoot })
    expect(order.status).toBe('awaiting_payment')
    expect(order.payment).toMatchObject({ method: 'card', status: 'requires_action' })
    expect(await stockOf(request, bought)).toBe(bought.stock - 1) // held while it is paid for
    await payOnSandbox(page, order, PAYS)

    // back in the shop: the return page follows the order until the webhook has settled it
    await page.waitForURL(new RegExp(`/orders/${order.id}/payment$`))
    const said = page.getByTestId('payment-outcome')
    await expect(said).toHaveAttribute('role', 'status')
    await expect(said).toHaveAttribute('data-outcome', 'paid', { timeout: 30_000 })
    await expect(said).toContainText('Payment received: your order is confirmed')
    await shoot('payment-paid')
    await audit('payment-paid')
    const paid = await orderOf(request, buyer, order.id)
    expect(paid.status).toBe('confirmed')
    expect(paid.payment).toMatchObject({ status: 'paid', redirect_url: null })
    expect(paid.payment.paid_at).toBeTruthy()
    if (ownShop()) await waitForMail(buyer.email, new RegExp(`Thank you for your order ${order.number}`))

    // the order page says it is paid; cancelling it says the payment goes back, and it does
    await page.getByTestId('view-order').click()
    await expect(page).toHaveURL(new RegExp(`/orders/${order.id}$`))
    await expect(page.getByTestId('order-status')).toHaveText('Confirmed')
    await expect(page.getByTestId('payment-status')).toHaveText('Paid')
    await expect(page.getByTestId('payment-line')).toContainText('Paid by card on')
    await page.getByTestId('cancel-order').click()
    const confirm = page.getByRole('dialog', { name: 'Cancel this order?' })
    await expect(confirm).toContainText('your payment is refunded to your card')
    await confirm.getByTestId('confirm-cancel').click()
    await expect(page.getByTestId('order-status')).toHaveText('Cancelled')
    await expect(page.getByTestId('payment-status')).toHaveText(/Refund under way|Refunded/)
    await expect.poll(async () => (await orderOf(request, buyer, order.id)).payment.status, { timeout: 30_000 }).toBe('refunded')
    await page.reload()
    await expect(page.getByTestId('payment-status')).toHaveText('Refunded')
    await expect(page.getByTestId('payment-line')).toContainText('Refunded to your card on')
    await shoot('order-refunded')
    await audit('order-refunded')
    expect(await stockOf(request, bought)).toBe(bought.stock)

    // the shop's staff see the payment and its refund in the back office
    if (ownShop()) {
      const staff = staffLogin()
      const tokens = await (await request.post('/api/auth/login/', { data: staff })).json()
      await page.evaluate((pair) => localStorage.setItem('shop.session', JSON.stringify(pair)), tokens)
      await page.goto(`/admin/orders/${order.id}`)
      await expect(page.getByTestId('order-title')).toContainText(order.number)
      await expect(page.getByTestId('payment-status')).toHaveText('Refunded')
      await expect(page.getByTestId('payment-refunded-at')).not.toBeEmpty()
      await expect(page.getByTestId('refund-status')).toHaveAttribute('data-status', 'succeeded')
      await shoot('admin-order-refunded')
      await audit('admin-order-refunded')
    }
    if (ownShop()) {
      const mail = await waitForMessage(buyer.email, new RegExp(`Your order ${order.number} has been cancelled`))
      expect(mail.text).toMatch(/refund/i)
    }
  })

  test('a declined card cancels the order, gives the stock back and says so', async ({ page, request, shoot, audit }, testInfo) => {
    const buyer = await shopper(page, request, `${testInfo.project.name}_d`)
    const bought = await addOne(request, buyer, testInfo.project.name)
    const order = await checkout(page, 'Card')
    await payOnSandbox(page, order, DECLINED)
    await expect(page.getByRole('status')).toHaveText('The card was declined. Nothing was charged, and this payment has ended.')
    await shoot('sandbox-declined')

    // the shopper comes back to the shop by the provider's link: told what happened
    await page.getByRole('link', { name: 'Return to the shop' }).click()
    await page.waitForURL(new RegExp(`/orders/${order.id}/payment$`))
    const said = page.getByTestId('payment-outcome')
    await expect(said).toHaveAttribute('data-outcome', 'failed', { timeout: 30_000 })
    await expect(said).toContainText('Your card was declined')
    await expect(said).toContainText('nothing was charged')
    await audit('payment-declined')
    const cancelled = await orderOf(request, buyer, order.id)
    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.payment.status).toBe('failed')
    await expect.poll(() => stockOf(request, bought)).toBe(bought.stock)
    await page.getByTestId('view-order').click()
    await expect(page.getByTestId('order-status')).toHaveText('Cancelled')
    await expect(page.getByTestId('payment-status')).toHaveText('Declined')
    if (ownShop()) {
      const mail = await waitForMessage(buyer.email, new RegExp(`Your order ${order.number} has been cancelled`))
      expect(mail.text).toMatch(/charged/i)
    }
  })

  test('leaving the provider’s page keeps the order held; pay on delivery needs no provider', async ({ page, request, shoot }, testInfo) => {
    const buyer = await shopper(page, request, `${testInfo.project.name}_c`)
    await addOne(request, buyer, testInfo.project.name)
    const order = await checkout(page, 'Pay on delivery', { shoot })
    expect(order.status).toBe('confirmed')
    expect(order.payment).toMatchObject({ method: 'cash_on_delivery', status: 'due_on_delivery', redirect_url: null })
    await expect(page).toHaveURL(new RegExp(`/checkout/thank-you/${order.id}$`))
    await expect(page.getByTestId('placed-payment')).toContainText('to the courier when your order arrives')
    await expect(page.getByTestId('payment-status')).toHaveText('Due on delivery')
    await shoot('placed-on-delivery')
    if (ownShop()) await waitForMail(buyer.email, new RegExp(`Thank you for your order ${order.number}`))

    // a card order whose shopper came back by the provider's cancel link: held, pay now or cancel
    await addOne(request, buyer, testInfo.project.name)
    const card = await checkout(page, 'Card')
    await onSandbox(page, card)
    await page.getByRole('link', { name: 'Cancel and return to the shop' }).click()
    await page.waitForURL(new RegExp(`/orders/${card.id}/payment\\?left=1$`))
    const said = page.getByTestId('payment-outcome')
    await expect(said).toHaveAttribute('data-outcome', 'left')
    await expect(said).toContainText('It is held for you until')
    await expect(page.getByTestId('pay-now')).toHaveAttribute('href', card.payment.redirect_url)
    await page.getByTestId('cancel-order').click()
    await page.getByRole('dialog', { name: 'Cancel this order?' }).getByTestId('confirm-cancel').click()
    await expect(said).toHaveAttribute('data-outcome', 'closed')
    await expect(said).toContainText('nothing was charged')
    await expect(page.getByTestId('pay-now')).toHaveCount(0)
  })
})
