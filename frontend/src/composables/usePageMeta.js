/**
 * What search engines and shared links read off a page: its title, meta description and canonical link, and
 * its structured data (JSON-LD). One call per view, `usePageMeta(() => ({ title, description, canonical, data }))`:
 * set whenever what `source` reads changes (the language included), taken away with the view when the next one
 * sets nothing of its own.
 *
 * - `title`: the page's own; the document's is "<title> · Shop" (the shop's name alone when none).
 * - `description`: a sentence or two of the page (collapsed to one line of at most 160 characters); the shop's
 *   own description when the page has none.
 * - `canonical`: the page's one address (a path, with its query), for every address that shows the same thing:
 *   by default the route's path without its query (a filter, a sort or a tracking parameter is the same page).
 * - `data`: a schema.org object (structuredData.js), written as JSON-LD in the head.
 */
import { onScopeDispose, watchEffect } from 'vue'
import { useI18n } from 'vue-i18n'
import { useRoute } from 'vue-router'

export const SHOP_NAME = 'Shop'
/** Search engines show about this much of a description. */
export const DESCRIPTION_LENGTH = 160
const DATA_ID = 'page-structured-data'

/** `text` on one line, cut at a word within `length` characters (with an ellipsis) when longer. */
export function summary(text, length = DESCRIPTION_LENGTH) {
  const line = String(text ?? '').replace(/\s+/g, ' ').trim()
  if (line.length <= length) return line
  const cut = line.slice(0, length - 1)
  const word = cut.lastIndexOf(' ')
  return `${(word > length / 2 ? cut.slice(0, word) : cut).replace(/[\s,;:.–—-]+$/, '')}…`
}

function headElement(doc, selector, make) {
  let element = doc.head.querySelector(selector)
  if (!element) {
    element = make()
    doc.head.append(element)
  }
  return element
}

/**
 * Write a page's meta into `doc`'s head: `title`, the description, the canonical link (left out without one)
 * and the JSON-LD of `data` (left out without it). The one place these elements are made.
 */
export function applyPageMeta({ title, description, canonical = null, data = null }, doc = document) {
  doc.title = title
  headElement(doc, 'meta[name="description"]', () => Object.assign(doc.createElement('meta'), { name: 'description' }))
    .setAttribute('content', description)
  const link = doc.head.querySelector('link[rel="canonical"]')
  if (canonical) {
    headElement(doc, 'link[rel="canonical"]', () => Object.assign(doc.createElement('link'), { rel: 'canonical' }))
      .setAttribute('href', canonical)
  } else link?.remove()
  const script = doc.getElementById(DATA_ID)
  if (data) {
    const element = script ?? Object.assign(doc.createElement('script'), { id: DATA_ID, type: 'application/ld+json' })
    // `<` escaped: the text can never end its own script element, however the page is serialised
    element.textContent = JSON.stringify(data).replace(/</g, '\\u003c')
    if (!script) doc.head.append(element)
  } else script?.remove()
}

/** The page's meta from `source()` (see the module's comment), for as long as the calling view lives. */
export function usePageMeta(source) {
  const { t } = useI18n()
  const route = useRoute()
  let written = null
  watchEffect(() => {
    const meta = source() ?? {}
    // (a view mounted without the router, as in a unit test: the address in the window)
    const canonical = meta.canonical === undefined ? (route?.path ?? window.location.pathname) : meta.canonical
    written = {
      title: meta.title ? `${meta.title} · ${SHOP_NAME}` : SHOP_NAME,
      description: summary(meta.description) || t('meta.description'),
      canonical: canonical && new URL(canonical, window.location.origin).href,
      data: meta.data ?? null,
    }
    applyPageMeta(written)
  })
  // the structured data and canonical link are this page's alone: gone with it, unless the next page has
  // written its own already
  onScopeDispose(() => {
    const link = document.head.querySelector('link[rel="canonical"]')
    if (written?.canonical && link?.getAttribute('href') === written.canonical) link.remove()
    const script = document.getElementById(DATA_ID)
    if (written?.data && script?.textContent === JSON.stringify(written.data).replace(/</g, '\\u003c')) script.remove()
  })
}
