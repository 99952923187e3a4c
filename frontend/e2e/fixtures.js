import { mkdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import AxeBuilder from '@axe-core/playwright'
import { test as base, expect } from '@playwright/test'

export { expect }

export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'screenshots')

/**
 * `page` fails the test on any console error or uncaught page error, on every page it visits (checked at
 * every screenshot and at the end). The one exception is a step that provokes an error answer on purpose:
 * `expectError(pattern)` lets the browser's one log line of that answer through (once). `shoot(name)` saves a full-page screenshot of the page in the dark
 * and in the light theme under test-results/screenshots/<project>/. `audit(name)` runs axe-core's WCAG 2.2 A/AA rules on
 * the page in both themes and fails on any violation (what it found, by rule and element, in the message);
 * `audit(name, {bestPractice: true})` adds the best practices of page structure (BEST_PRACTICE).
 */
export const test = base.extend({
  // eslint-disable-next-line no-empty-pattern -- a fixture that needs no other
  problems: async ({}, use) => {
    await use([])
  },
  // eslint-disable-next-line no-empty-pattern -- a fixture that needs no other
  expected: async ({}, use) => {
    await use([])
  },
  expectError: async ({ expected }, use) => {
    await use((pattern) => expected.push(pattern))
  },
  page: async ({ page, problems, expected }, use) => {
    page.on('console', (message) => {
      if (message.type() !== 'error') return
      const allowed = expected.findIndex((pattern) => pattern.test(message.text()))
      if (allowed >= 0) expected.splice(allowed, 1)
      else problems.push(`console error on ${page.url()}: ${message.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`page error on ${page.url()}: ${error.message}`))
    await use(page)
    expect(problems, 'console errors or page errors').toEqual([])
  },
  shoot: async ({ page, problems }, use, testInfo) => {
    const folder = join(SCREENSHOTS, testInfo.project.name)
    const spec = basename(testInfo.file, '.spec.js')
    mkdirSync(folder, { recursive: true })
    let n = 0
    await use(async (name) => {
      expect(problems, `console errors or page errors before "${name}"`).toEqual([])
      n += 1
      const modal = await settle(page)
      const original = await page.evaluate(() => document.documentElement.dataset.theme)
      for (const theme of ['dark', 'light']) {
        await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme)
        const file = join(folder, `${spec}-${String(n).padStart(2, '0')}-${name}-${theme}.png`)
        // the whole page, unless a dialog is open (then what the shopper sees)
        await page.screenshot({ path: file, fullPage: !modal, animations: 'disabled' })
      }
      await page.evaluate((t) => (document.documentElement.dataset.theme = t), original)
    })
  },
  audit: async ({ page }, use) => {
    await use(async (name, { bestPractice = false } = {}) => {
      await settle(page)
      const original = await page.evaluate(() => document.documentElement.dataset.theme)
      const found = []
      // colours read mid-transition would be neither theme's (the shop's styles drop transitions for reduced motion)
      await page.emulateMedia({ reducedMotion: 'reduce' })
      for (const theme of ['dark', 'light']) {
        await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme)
        const { violations } = await new AxeBuilder({ page }).withTags(WCAG).analyze()
        if (bestPractice) violations.push(...(await new AxeBuilder({ page }).withRules(BEST_PRACTICE).analyze()).violations)
        for (const v of violations) {
          found.push(`${theme}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`)
        }
      }
      await page.evaluate((t) => (document.documentElement.dataset.theme = t), original)
      await page.emulateMedia({ reducedMotion: null })
      // soft: one run lists every state's violations, not only the first one's
      expect.soft(found, `axe on "${name}"`).toEqual([])
    })
  },
})

/** The rules axe checks: WCAG 2.0, 2.1 and 2.2 at levels A and AA. */
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']
/** With `{bestPractice: true}` (the storefront's spec), axe's best practices of page structure too: one h1, no
 * skipped heading level, landmarks told apart, roles allowed where they are used. */
const BEST_PRACTICE = ['page-has-heading-one', 'heading-order', 'landmark-unique', 'landmark-one-main',
  'landmark-no-duplicate-banner', 'landmark-no-duplicate-contentinfo', 'landmark-no-duplicate-main', 'aria-allowed-role']

/** Wait until every picture of the page has loaded (lazy ones too), so the screenshots show them; scroll to
 * the top unless a dialog is open. Says whether one is. */
async function settle(page) {
  return page.evaluate(async () => {
    const images = [...document.images]
    for (const image of images) image.loading = 'eager'
    await Promise.all(images.map((image) => (image.complete ? null : new Promise((done) => {
      image.addEventListener('load', done, { once: true })
      image.addEventListener('error', done, { once: true })
    }))))
    const modal = Boolean(document.querySelector('[role=dialog]'))
    if (!modal) window.scrollTo(0, 0)
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))
    return modal
  })
}

/** A visible one of the matches (the header has a search box for wide screens and one for phones). */
export const visible = (locator) => locator.locator('visible=true').first()
