#!/usr/bin/env node
// Lighthouse 12 (its Node API) on the storefront's pages, mobile, in Debian's Chromium: the one list of the
// pages audited and the one way they are audited, for the browser tests (e2e/lighthouse.spec.js, which asserts
// the scores a shared machine cannot change) and for the bench (bench/lighthouse.py, which records them all,
// performance included, on a quiet machine).
//
//   node scripts/lighthouse.mjs BASE_URL [--port N] [--out DIR]    audit PAGES, print one JSON line per page
//
// A page the shop answers with 404 (an unknown address, as search engines must be told) is still audited
// (`ignoreStatusCode`: otherwise Lighthouse stops at the status, ERRORED_DOCUMENT_REQUEST, and scores nothing);
// its SEO then loses the `http-status-code` audit, which is what a 404 page is for (see e2e/lighthouse.spec.js).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import * as chromeLauncher from 'chrome-launcher'
import lighthouse from 'lighthouse'

/** The pages audited: the landing catalogue, one category of it, a product page and the 404 page. */
export const PAGES = [
  { name: 'catalogue', path: '/' },
  { name: 'filtered', path: '/?category=knitwear' },
  { name: 'product', path: '/products/brushed-flannel-overshirt' },
  { name: 'not-found', path: '/no/such/page', status: 404 },
]

export const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo']

/** The audits a report's figures come from, by what the bench and the tests call them. */
const METRICS = { lcp: 'largest-contentful-paint', tbt: 'total-blocking-time', cls: 'cumulative-layout-shift' }

/** Chromium for Lighthouse: headless, no sandbox when run as root (a container's user), on a given
 * debugging port (the caller's range: never a random one above 32768). */
export async function launch({ port, chromePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium' } = {}) {
  const flags = ['--headless=new', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage']
  if (process.getuid?.() === 0) flags.push('--no-sandbox')
  return chromeLauncher.launch({ chromePath, chromeFlags: flags, port, logLevel: 'silent' })
}

/**
 * Audit one page in an open Chromium (`launch`): mobile, Lighthouse's default (simulated) throttling, the four
 * categories. Returns the summary (scores 0..1, lcp and tbt in ms, cls, the failed audits of each category
 * but performance) and the full report (lhr), written as <out>/<name>.json when `out` is given.
 */
export async function audit(chrome, baseURL, page, { out } = {}) {
  const url = new URL(page.path, baseURL).href
  const result = await lighthouse(url, {
    port: chrome.port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: CATEGORIES,
    ignoreStatusCode: true,
  })
  const { lhr } = result
  if (lhr.runtimeError) throw new Error(`Lighthouse on ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`)
  if (out) {
    mkdirSync(out, { recursive: true })
    writeFileSync(join(out, `${page.name}.json`), result.report)
  }
  const scores = Object.fromEntries(CATEGORIES.map((c) => [c, lhr.categories[c].score]))
  const metrics = Object.fromEntries(Object.entries(METRICS).map(([k, id]) => [k, lhr.audits[id].numericValue]))
  const failed = {}
  for (const c of CATEGORIES.filter((c) => c !== 'performance')) {
    failed[c] = lhr.categories[c].auditRefs
      .filter((ref) => ref.weight > 0 && lhr.audits[ref.id].score !== null && lhr.audits[ref.id].score < 1)
      .map((ref) => ref.id)
  }
  return { name: page.name, path: page.path, url, status: page.status ?? 200, scores, ...metrics, failed, lhr }
}

/** Every page of PAGES, one after the other in one Chromium (never two audits at once: they would share the CPU). */
export async function auditAll(baseURL, { port, out, pages = PAGES } = {}) {
  const chrome = await launch({ port })
  try {
    const results = []
    for (const page of pages) results.push(await audit(chrome, baseURL, page, { out }))
    return results
  } finally {
    await chrome.kill()
  }
}

/** One line for a log: the four scores as Lighthouse shows them (0-100), LCP, TBT and CLS. */
export function describe(r) {
  const s = CATEGORIES.map((c) => Math.round(r.scores[c] * 100)).join('/')
  return `${r.name} ${r.path}: ${s} (perf/a11y/bp/seo), LCP ${r.lcp.toFixed(0)} ms, TBT ${r.tbt.toFixed(0)} ms, CLS ${r.cls.toFixed(3)}`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const option = (name) => {
    const i = args.indexOf(name)
    return i >= 0 ? args.splice(i, 2)[1] : undefined
  }
  const port = option('--port')
  const out = option('--out')
  if (args.length !== 1) {
    console.error('usage: node scripts/lighthouse.mjs BASE_URL [--port N] [--out DIR]')
    process.exit(2)
  }
  for (const r of await auditAll(args[0], { port: port && Number(port), out })) {
    console.log(JSON.stringify({ ...r, lhr: undefined })) // the full report is in --out
    console.error(describe(r))
  }
}
