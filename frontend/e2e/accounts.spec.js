import { randomUUID } from 'node:crypto'

import { expect, test, visible } from './fixtures.js'
import { ownShop, waitForMessage } from './shop.js'

// The accounts of issue 18, in the browser: a forgotten password chosen anew from the emailed link; a
// password changed in the profile, which keeps this browser signed in and signs another one out; the email
// confirmed from the link in the welcome email; an address typed at checkout that survives a reload, saved
// to the account, and chosen for the next order. The emails are read from the stack's SMTP sink, so the
// journeys need a shop of this run's own. Each project orders a product of its own (the other journeys'
// stock stays as they expect it). And (issue 19) the emails in the account's language: an account made in the
// Russian shop gets its welcome and order emails in Russian, and English ones once its profile says so.

const PASSWORD = 'a long and quiet river 7'
const NEW_PASSWORD = 'the heron waits by the weir 4'
const PRODUCTS = { desktop: 'lambswool-crewneck', phone: 'fisherman-rollneck' }
const SHIPPING = { 'Street and house number': '1 Navy Yard', City: 'Arlington', 'Postal code': '22202', Country: 'United States' }

test.beforeEach(() => test.skip(!ownShop(), 'the emails are read from the SMTP sink of a shop this run started'))

/** A new account made through the API (its welcome email owed): `{username, email}`. */
async function register(request, name) {
  const username = `pw_acc_${name}_${Date.now().toString(36)}`
  const email = `${username}@example.com`
  const account = { username, email, password: PASSWORD, first_name: 'Grace', last_name: 'Hopper', language: 'en' }
  expect((await request.post('/api/auth/register/', { data: account })).status()).toBe(201)
  return { username, email }
}

/** A login through the API. This run's own stack lets its sign-ins through (stack.js); a shop of another test
 * (SHOP_PW_BASE_URL) keeps the gateway's few a minute from one address (services.toml `throttle`): a 429 is
 * waited out as its Retry-After says, a few times at most. */
async function login(request, username, password) {
  for (let attempt = 1; ; attempt += 1) {
    const response = await request.post('/api/auth/login/', { data: { username, password } })
    if (response.status() !== 429 || attempt === 4) return response
    const seconds = Math.min(Number(response.headers()['retry-after']) || 6, 20)
    await new Promise((done) => setTimeout(done, seconds * 1000))
  }
}

/** Sign `page` in as `account` (a session of its own, made through the API), on the catalogue; the headers
 * of that session for API calls. */
async function signIn(page, request, account) {
  const answer = await login(request, account.username, PASSWORD)
  expect(answer.status()).toBe(200)
  const pair = await answer.json()
  await page.goto('/')
  await page.evaluate((p) => localStorage.setItem('shop.session', JSON.stringify({ access: p.access, refresh: p.refresh })), pair)
  await page.reload()
  await expect(page.getByTestId('account-menu')).toBeVisible()
  return { Authorization: `Bearer ${pair.access}` }
}

/** The link of `path` in an email's text (`<shop>/password-reset#token=…`). */
function linkIn(text, path) {
  const found = text.match(new RegExp(`https?://\\S+/${path}#token=[\\w-]+`))
  expect(found, `a ${path} link in the email`).toBeTruthy()
  return found[0]
}

/** One unit of the project's product put in the cart through the API. */
async function addOne(request, headers, project) {
  const product = await (await request.get(`/api/products/${PRODUCTS[project]}/`)).json()
  const variant = product.variants.find((v) => v.stock > 1)
  expect(variant, `${product.slug} has a variant in stock`).toBeTruthy()
  const added = await request.post('/api/cart/add/', { headers, data: { product_id: product.id, variant_id: variant.id, quantity: 1 } })
  expect(added.status()).toBe(201)
}

/** Place the order on the checkout page: the created order (read on its way to the page). */
async function placeOrder(page) {
  const created = page.waitForResponse((r) => r.url().includes('/api/order/create/') && r.request().method() === 'POST')
  await page.getByTestId('place-order').click()
  const response = await created
  expect(response.status()).toBe(201)
  await expect(page).toHaveURL(/\/checkout\/thank-you\/\d+$/)
  return response.json()
}

test('a shopper who forgot the password chooses a new one from the emailed link', async ({ page, request, shoot, audit, expectError }, testInfo) => {
  const account = await register(request, `reset_${testInfo.project.name}`)

  // -- "Forgot password?" in the sign-in modal ----------------------------------------------------------------
  await page.goto('/')
  await page.getByTestId('sign-in').click()
  await page.getByRole('dialog', { name: 'Sign in' }).getByTestId('to-forgot').click()
  const forgot = page.getByRole('dialog', { name: 'Choose a new password' })
  await expect(forgot.getByLabel('Email')).toBeFocused()
  await forgot.getByLabel('Email').fill(account.email)
  await forgot.getByTestId('auth-submit').click()
  // (the dialog's other status is its place for toasts)
  await expect(forgot.getByTestId('forgot-sent')).toHaveText(/If an account has this email, a link to choose a new password is on its way/)
  await shoot('forgot-password')
  await forgot.getByTestId('to-signin').click()
  await expect(page.getByRole('dialog', { name: 'Sign in' }).getByLabel('Username or email')).toBeFocused()
  await page.keyboard.press('Escape')

  // -- the email's link: the token leaves the address bar at once --------------------------------------------
  const link = linkIn((await waitForMessage(account.email, /Choose a new password/)).text, 'password-reset')
  await page.goto(link)
  await expect(page).toHaveURL(/\/password-reset$/)
  await expect(page.getByTestId('link-card-title')).toHaveText('Choose a new password')
  await audit('password-reset')
  await shoot('password-reset')

  expectError(/status of 422/) // the browser logs the refusal; the field says why
  await page.getByLabel('New password', { exact: true }).fill('password')
  await page.getByTestId('reset-submit').click()
  await expect(page.locator('[data-field=password] [data-test=field-error]')).toBeVisible()
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD)
  await page.getByTestId('reset-submit').click()
  await expect(page.getByTestId('link-card-title')).toHaveText('Your password is changed')

  // -- signed in with the new password, from the modal the page opened ---------------------------------------
  const dialog = page.getByRole('dialog', { name: 'Sign in' })
  await expect(dialog).toBeVisible()
  await dialog.getByLabel('Username or email').fill(account.username)
  await dialog.getByLabel('Password').fill(NEW_PASSWORD)
  await dialog.getByTestId('auth-submit').click()
  await expect(dialog).toBeHidden()
  await expect(page.getByTestId('account-menu')).toBeVisible()
  await expect(page).toHaveURL(/\/$/)

  // -- the link works once --------------------------------------------------------------------------------------
  await page.goto(link)
  expectError(/status of 400/)
  await page.getByLabel('New password', { exact: true }).fill('yet another quiet river 9')
  await page.getByTestId('reset-submit').click()
  await expect(page.getByTestId('link-card-title')).toHaveText('This link has expired')
  await shoot('password-reset-spent')
  await page.getByTestId('reset-ask-again').click() // the modal's reset step again, for a new link
  await expect(page.getByRole('dialog', { name: 'Choose a new password' }).getByLabel('Email')).toBeFocused()
  await audit('forgot-password')
})

test('changing the password keeps this browser signed in and signs another one out', async ({ page, browser, request, shoot, audit, expectError }, testInfo) => {
  const account = await register(request, `change_${testInfo.project.name}`)
  await signIn(page, request, account)
  const elsewhere = await browser.newContext({ baseURL: new URL(page.url()).origin })
  const other = await elsewhere.newPage()
  await signIn(other, request, account)

  await page.goto('/profile')
  const form = page.getByTestId('password-form')
  await expect(form.getByRole('heading', { name: 'Change password' })).toBeVisible()
  await audit('profile')
  await shoot('profile')

  expectError(/status of 400/)
  await form.getByLabel('Current password').fill('not my password at all')
  await form.getByLabel('New password').fill(NEW_PASSWORD)
  await form.getByTestId('change-password').click()
  await expect(form.locator('[data-field=current_password] [data-test=field-error]')).toBeVisible()

  await form.getByLabel('Current password').fill(PASSWORD)
  await form.getByTestId('change-password').click()
  await expect(form.getByTestId('password-done')).toHaveText('Your password is changed. Other devices are signed out.')
  await expect(form.getByLabel('Current password')).toHaveValue('')

  // this browser goes on with the new pair, across a reload too
  await page.goto('/orders')
  await expect(page.getByRole('heading', { level: 1, name: 'My orders' })).toBeVisible()
  await page.reload()
  await expect(page.getByTestId('account-menu')).toBeVisible()
  await expect(page.getByTestId('sign-in')).toHaveCount(0)

  // the other one is signed out on its next page: the sign-in opens, once, saying why (not a "Try again" for
  // each call the ended session refused), and the page under it offers to sign in
  await other.goto('/orders')
  await expect(other.getByTestId('sign-in')).toBeVisible()
  await expect(other.getByRole('dialog').getByTestId('auth-reason')).toHaveText('Your session has ended. Please sign in again.')
  await expect(other.getByRole('dialog')).toHaveCount(1)
  await expect(other.getByRole('region', { name: 'Notifications' }).getByRole('alert')).toHaveCount(0)
  await elsewhere.close()
})

test('a shopper confirms the email from the link in the welcome email', async ({ page, request, shoot, audit }, testInfo) => {
  const account = await register(request, `verify_${testInfo.project.name}`)
  await signIn(page, request, account)

  const banner = page.getByRole('region', { name: 'Your email' })
  await expect(banner).toContainText(`Confirm your email ${account.email}`)
  await banner.getByRole('button', { name: 'Send the link again' }).click()
  await expect(banner.getByRole('status')).toHaveText(`Sent: a new link is on its way to ${account.email}.`)
  await shoot('email-banner')
  await page.goto('/orders')
  await expect(banner).toBeVisible()
  await audit('email-banner')

  const link = linkIn((await waitForMessage(account.email, /Welcome/)).text, 'verify-email')
  await page.goto(link)
  await expect(page.getByTestId('link-card-title')).toHaveText('Your email is confirmed')
  await expect(page).toHaveURL(/\/verify-email$/)
  await expect(page.getByTestId('email-banner')).toHaveCount(0)
  await shoot('email-confirmed')

  await page.goto('/profile')
  await expect(page.getByTestId('email-state')).toHaveText('Confirmed')
  await expect(page.getByTestId('email-banner')).toHaveCount(0)
})

test('a typed address survives a reload, is saved with the order, and is offered for the next one', async ({ page, request, shoot, audit }, testInfo) => {
  const account = await register(request, `address_${testInfo.project.name}`)
  const headers = await signIn(page, request, account)
  await addOne(request, headers, testInfo.project.name)

  // -- no saved address yet: the fields at once; what is typed is there after a reload -------------------------
  await page.goto('/checkout')
  const form = page.getByTestId('checkout-form')
  await expect(form.getByLabel('Full name')).toHaveValue('Grace Hopper')
  await expect(page.getByTestId('address-picker')).toHaveCount(0)
  await form.getByLabel('Phone').fill('+1 212 555 0100')
  for (const [label, value] of Object.entries(SHIPPING)) await form.getByLabel(label).fill(value)
  await form.getByLabel('Anything we should know?').fill('Leave it with the porter')
  await page.reload()
  for (const [label, value] of Object.entries(SHIPPING)) await expect(form.getByLabel(label)).toHaveValue(value)
  await expect(form.getByLabel('Phone')).toHaveValue('+1 212 555 0100')
  await expect(form.getByLabel('Anything we should know?')).toHaveValue('Leave it with the porter')

  await form.getByLabel('Save this address to my account').check()
  const first = await placeOrder(page)
  expect(first.shipping).toMatchObject({ address_line: '1 Navy Yard', city: 'Arlington', phone: '+1 212 555 0100' })
  expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('shop.checkout.')))).toEqual([])
  const saved = await (await request.get('/api/users/addresses/', { headers })).json()
  expect(saved).toHaveLength(1)
  expect(saved[0]).toMatchObject({ full_name: 'Grace Hopper', address_line: '1 Navy Yard', postal_code: '22202', is_default: true })

  // -- the next order: the saved address is chosen, no fields to fill -----------------------------------------
  await addOne(request, headers, testInfo.project.name)
  await page.goto('/checkout')
  const picker = page.getByRole('group', { name: 'Where should we send it?' })
  await expect(picker.getByRole('radio', { name: /1 Navy Yard/ })).toBeChecked()
  await expect(form.getByLabel('Street and house number')).toHaveCount(0)
  await audit('checkout-saved-address')
  await shoot('checkout-saved-address')
  await picker.getByRole('radio', { name: 'A new address' }).check()
  await expect(form.getByLabel('Street and house number')).toHaveValue('') // the placed order's draft is gone
  await picker.getByRole('radio', { name: /1 Navy Yard/ }).check()
  const second = await placeOrder(page)
  const { id: _id, is_default: _default, created_at: _c, updated_at: _u, ...shipping } = saved[0]
  expect(second.shipping).toEqual(shipping)

  // -- the profile's address book has it -----------------------------------------------------------------------
  await page.goto('/profile')
  const book = page.getByRole('region', { name: 'Addresses' })
  await expect(book.getByRole('listitem')).toHaveCount(1)
  await expect(book.getByTestId('default-badge')).toBeVisible()
  await visible(book.getByRole('button', { name: /^Edit/ })).click()
  await expect(book.getByTestId('address-form').getByLabel('Full name')).toBeFocused()
  await shoot('profile-address-form')
})

test('the emails are in the account’s language: Russian from a Russian registration, English once the profile says so', async ({ page, request, shoot }, testInfo) => {
  const username = `pw_acc_lang_${testInfo.project.name}_${Date.now().toString(36)}`
  const email = `${username}@example.com`

  // -- the shop in Russian; an account made there writes in Russian -------------------------------------------
  await page.goto('/')
  await page.getByTestId('locale').selectOption('ru')
  await expect(page.locator('html')).toHaveAttribute('lang', 'ru')
  await page.getByTestId('sign-in').click()
  await page.getByRole('dialog', { name: 'Вход' }).getByTestId('to-register').click()
  const register = page.getByRole('dialog', { name: 'Создание аккаунта' })
  await register.getByLabel('Имя пользователя').fill(username)
  await register.getByLabel('Email').fill(email)
  await register.getByLabel('Пароль').fill(PASSWORD)
  await register.getByLabel(/^Имя \(/).fill('Grace') // "Имя (необязательно)", not "Имя пользователя"
  await register.getByTestId('auth-submit').click()
  await expect(register).toBeHidden()
  await expect(page.getByTestId('account-menu')).toBeVisible()

  const welcome = await waitForMessage(email, /^Добро пожаловать в /)
  expect(welcome.text).toMatch(/^Здравствуйте, Grace!/)
  expect(welcome.text).toContain(`Ваша учётная запись ${username} готова`)
  linkIn(welcome.text, 'verify-email')

  // -- an order placed in Russian: its email too, the product named as the Russian catalogue names it ----------
  const { access } = await page.evaluate(() => JSON.parse(localStorage.getItem('shop.session')))
  const headers = { Authorization: `Bearer ${access}`, 'Accept-Language': 'ru' }
  const product = await (await request.get(`/api/products/${PRODUCTS[testInfo.project.name]}/`, { headers: { 'Accept-Language': 'ru' } })).json()
  const variant = product.variants.find((v) => v.stock > 1)
  expect((await request.post('/api/cart/add/', { headers, data: { product_id: product.id, variant_id: variant.id, quantity: 1 } })).status()).toBe(201)
  const shipping = { full_name: 'Грейс Хоппер', phone: '+7 495 123-45-67', address_line: 'Тверская ул., 1', city: 'Москва', postal_code: '125009', country: 'Россия' }
  const created = await request.post('/api/order/create/', { headers: { ...headers, 'Idempotency-Key': randomUUID() }, data: { shipping } })
  expect(created.status()).toBe(201)
  const order = await created.json()
  const confirmation = await waitForMessage(email, new RegExp(`^Спасибо за заказ ${order.number}$`))
  expect(confirmation.text).toMatch(/^Здравствуйте, Grace!/)
  expect(confirmation.text).toContain(`1 × ${product.name} (${variant.label})`)
  expect(confirmation.text).toContain('К оплате при получении:')
  expect(confirmation.text).toMatch(/Итого: [\d\u00a0]+,\d\d\u00a0\$/)

  // -- the profile: emails in English from now on, the shop itself still in Russian ---------------------------
  await page.goto('/profile')
  const language = page.getByLabel('Язык писем')
  await expect(language).toHaveValue('ru')
  await language.selectOption('en')
  const saved = page.waitForResponse((r) => r.url().includes('/api/users/profile/') && r.request().method() === 'PATCH')
  await page.getByTestId('save-profile').click()
  expect((await saved).status()).toBe(200)
  await expect(language).toHaveValue('en')
  await expect(page.locator('html')).toHaveAttribute('lang', 'ru')
  await shoot('profile-email-language')

  // the next email, a new confirmation link asked for in the Russian shop, is in English
  await page.getByRole('region', { name: 'Ваш email' }).getByTestId('resend-verification').click()
  const link = await waitForMessage(email, /^Confirm your email for /)
  expect(link.text).toMatch(/^Hi Grace,/)
  linkIn(link.text, 'verify-email')
})
