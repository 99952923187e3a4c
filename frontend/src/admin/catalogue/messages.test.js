import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

import { russianPlural } from '@/i18n'

import { OTHER_LANGUAGES } from './editor'
import messages from './messages'

const here = dirname(fileURLToPath(import.meta.url))
const keys = (o, p = '') => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]))
const lookup = (o, path) => path.split('.').reduce((node, part) => node?.[part], o)

/** Every `admin.catalogue.…` key the section's code names literally, and those it builds from a known set. */
function usedKeys() {
  const found = new Set()
  for (const name of readdirSync(here).filter((f) => /\.(vue|js)$/.test(f) && !f.endsWith('.test.js'))) {
    const source = readFileSync(join(here, name), 'utf8')
    for (const match of source.matchAll(/'admin\.catalogue\.([A-Za-z.]+[A-Za-z])'/g)) found.add(match[1])
  }
  const built = {
    invalid: ['required', 'price', 'stock', 'duplicateSku', 'duplicateKey', 'noVariant'], // editor.js checkForm
    'photos.invalid': ['type', 'size', 'empty'], // uploads.js uploadRefusal
    'photos.state': ['waiting', 'sending', 'cancelled'], // the states a row shows its own text for
    variants: ['size', 'color', 'sku', 'label', 'price', 'stock'], // ProductEditorVariants FIELDS
    'translations.language': OTHER_LANGUAGES, // ProductEditorTranslations, CategoryDialog
  }
  for (const [prefix, names] of Object.entries(built)) for (const n of names) found.add(`${prefix}.${n}`)
  return [...found].sort()
}

describe('the catalogue\'s texts', () => {
  it('has the same keys in English and Russian', () => {
    expect(keys(messages.ru).sort()).toEqual(keys(messages.en).sort())
  })

  it('has a text for every key the section uses, in both languages', () => {
    const used = usedKeys()
    expect(used.length).toBeGreaterThan(100)
    for (const locale of ['en', 'ru']) {
      expect(used.filter((key) => typeof lookup(messages[locale], key) !== 'string'), locale).toEqual([])
    }
  })

  it('uses the same placeholders in both languages, and Russian plural forms where English has them', () => {
    const names = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    for (const key of keys(messages.en)) {
      const en = lookup(messages.en, key)
      const ru = lookup(messages.ru, key)
      expect([...new Set(names(ru))], key).toEqual([...new Set(names(en))])
      if (en.includes(' | ')) expect(ru.split(' | ').length, key).toBeGreaterThanOrEqual(3)
    }
    expect(russianPlural(3, 3)).toBe(1)
  })
})
