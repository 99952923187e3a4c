import { defineConfig } from '@playwright/test'

// The journey runs against the whole shop as `make up` starts it, through the gateway, with the built SPA:
// e2e/global-setup.js starts a stack of its own (ports moved by 12000: gateway at 20000; another offset
// with SHOP_PW_PORT_OFFSET) and e2e/global-teardown.js stops it and drops its databases. Debian's Chromium,
// never a downloaded browser.
// SHOP_PW_BASE_URL: a shop some other test started (tests/images runs the journey against the shop from its
// images): no stack of this run's own then.
export const PORT_OFFSET = Number(process.env.SHOP_PW_PORT_OFFSET || 12000)
export const ATTACHED = process.env.SHOP_PW_BASE_URL || ''
const baseURL = ATTACHED || `http://127.0.0.1:${8000 + PORT_OFFSET}`

const chromium = {
  browserName: 'chromium',
  launchOptions: { executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium' },
}

const DESKTOP = { viewport: { width: 1280, height: 860 } }
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
const BACK_OFFICE = 'backoffice.spec.js'
const LIGHTHOUSE = 'lighthouse.spec.js'
const SEPARATE = ['performance.spec.js', LIGHTHOUSE, BACK_OFFICE]

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/artifacts',
  globalSetup: './e2e/global-setup.js',
  globalTeardown: './e2e/global-teardown.js',
  timeout: 120_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    locale: 'en-US',
    testIdAttribute: 'data-test',
    actionTimeout: 10_000,
    navigationTimeout: 20_000,
  },
  projects: [
    // measured first and alone, so that no other test shares the machine with the measure
    { name: 'performance', testMatch: 'performance.spec.js', use: { ...chromium, ...DESKTOP } },
    { name: 'desktop', testIgnore: SEPARATE, dependencies: ['performance'], use: { ...chromium, ...DESKTOP } },
    { name: 'phone', testIgnore: SEPARATE, dependencies: ['performance'], use: { ...chromium, ...PHONE } },
    // the back office adds to the catalogue the shopper's tests count: after them
    { name: 'backoffice-desktop', testMatch: BACK_OFFICE, dependencies: ['desktop', 'phone'], use: { ...chromium, ...DESKTOP } },
    { name: 'backoffice-phone', testMatch: BACK_OFFICE, dependencies: ['desktop', 'phone'], use: { ...chromium, ...PHONE } },
    // Lighthouse (its own Chromium, mobile) last and alone: nothing shares the machine with its page loads, and
    // a score it finds short holds up no other test (a failed dependency would skip the projects after it)
    { name: 'lighthouse', testMatch: LIGHTHOUSE, dependencies: ['backoffice-desktop', 'backoffice-phone'] },
  ],
})
