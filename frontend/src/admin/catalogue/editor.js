/**
 * The product editor's form and what saving it means: the form is a plain object of strings (what inputs
 * hold), made from a product's detail (`toForm`) or empty (`emptyForm`); `productChanges` and
 * `planVariants` compare it with the detail it came from and say which calls a save makes: the product's
 * own PATCH, then variants deleted, changed and added through the variant resource (API.md, "products").
 *
 * The product's text in the shop's other languages is `form.translations`: `{ru: {name, description,
 * values: {'<English value>': '<its translation>'}}}`, the values being those its attributes and variants use
 * (`usedValues`). The server keeps what is not empty and shows English for the rest.
 */
import { LOCALES } from '@/i18n'

/** The languages a product is translated into: every one of the shop's but English, its own fields. */
export const OTHER_LANGUAGES = LOCALES.map((l) => l.code).filter((code) => code !== 'en')

let lastUid = 0
/** A key for a row of the form that stays the same while it is edited (a new variant has no id yet). */
export const newUid = (prefix = 'row') => `${prefix}-${++lastUid}`

/** Variant attributes the editor has columns for; any other attribute a variant has is kept as it is. */
const SIZE = 'size'
const COLOUR_KEYS = ['color', 'colour']

export function emptyVariant() {
  return { uid: newUid('variant'), id: null, size: '', color: '', sku: '', label: '', price: '', stock: '0', extra: {} }
}

const emptyTexts = () => Object.fromEntries(OTHER_LANGUAGES.map((code) => [code, { name: '', description: '', values: {} }]))

export function emptyForm() {
  return { name: '', slug: '', category: '', description: '', attributes: [], variants: [emptyVariant()],
    translations: emptyTexts() }
}

/** The form's translations of a detail's (`translations`, what a staff read answers). */
function translationsForm(translations = {}) {
  const out = emptyTexts()
  for (const code of OTHER_LANGUAGES) {
    const own = translations?.[code] ?? {}
    out[code] = { name: own.name ?? '', description: own.description ?? '', values: { ...(own.values ?? {}) } }
  }
  return out
}

function variantRow(variant) {
  const { [SIZE]: size = '', ...rest } = variant.attributes ?? {}
  const colourKey = COLOUR_KEYS.find((key) => key in rest)
  const { [colourKey]: color = '', ...extra } = rest
  return {
    uid: newUid('variant'), id: variant.id, size, color, sku: variant.sku ?? '', label: variant.label ?? '',
    price: variant.price ?? '', stock: String(variant.stock ?? 0), extra, colourKey: colourKey ?? 'color',
  }
}

/** The form for a product's detail. */
export function toForm(detail) {
  return {
    name: detail.name ?? '',
    slug: detail.slug ?? '',
    category: detail.category?.slug ?? '',
    description: detail.description ?? '',
    attributes: Object.entries(detail.attributes ?? {}).map(([key, value]) => ({ uid: newUid('attribute'), key, value })),
    variants: (detail.variants ?? []).map(variantRow),
    translations: translationsForm(detail.translations),
  }
}

const trim = (value) => String(value ?? '').trim()

/** A variant's label when none is typed: "M / Blue", else its SKU. */
export function defaultLabel(row) {
  return [trim(row.size), trim(row.color)].filter(Boolean).join(' / ') || trim(row.sku)
}

/** The attributes object of the form's key/value rows (rows without a key are left out). */
export function attributesOf(rows) {
  const out = {}
  for (const row of rows) if (trim(row.key)) out[trim(row.key)] = trim(row.value)
  return out
}

/** A price as typed, with a decimal comma ("54,90", as Russian writes it) read as a point. */
const priceOf = (value) => trim(value).replace(',', '.')

/** What the API takes for a variant row (VariantInSchema): stock as a number, price as the decimal string typed. */
export function variantBody(row) {
  const attributes = { ...row.extra }
  if (trim(row.size)) attributes[SIZE] = trim(row.size)
  if (trim(row.color)) attributes[row.colourKey ?? 'color'] = trim(row.color)
  const stock = Number.parseInt(trim(row.stock), 10)
  return {
    sku: trim(row.sku),
    label: trim(row.label) || defaultLabel(row),
    attributes,
    price: priceOf(row.price),
    stock: Number.isFinite(stock) ? stock : trim(row.stock),
  }
}

/** Every distinct value the form's attributes and variants hold (what `values` may translate), in order. */
export function usedValues(form) {
  const found = new Set(Object.values(attributesOf(form.attributes)).filter(Boolean))
  for (const row of form.variants) for (const value of Object.values(variantBody(row).attributes)) if (value) found.add(value)
  return [...found]
}

/** The `translations` the API takes for the form: what is typed, and values only for those still in use. */
export function translationsBody(form) {
  const used = usedValues(form)
  const out = {}
  for (const code of OTHER_LANGUAGES) {
    const own = form.translations?.[code] ?? {}
    const texts = {}
    if (trim(own.name)) texts.name = trim(own.name)
    if (String(own.description ?? '').trim()) texts.description = own.description.trim()
    const values = {}
    for (const value of used) if (trim(own.values?.[value])) values[value] = trim(own.values[value])
    if (Object.keys(values).length) texts.values = values
    if (Object.keys(texts).length) out[code] = texts
  }
  return out
}

/** The body of a new product (POST /api/products/): a slug only when one is typed (else the server makes it). */
export function createBody(form) {
  const body = {
    name: trim(form.name), category: form.category, description: form.description.trim(),
    attributes: attributesOf(form.attributes), variants: form.variants.map(variantBody),
  }
  if (trim(form.slug)) body.slug = trim(form.slug)
  const translations = translationsBody(form)
  if (Object.keys(translations).length) body.translations = translations
  return body
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b)
/** `value` with every object's keys in order, so that `same` compares content, not order. */
const canonical = (value) => (value && typeof value === 'object' && !Array.isArray(value)
  ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical(value[key])]))
  : value)
const sortedEntries = (object) => Object.entries(object).sort(([a], [b]) => a.localeCompare(b))

/** The product's own fields that differ from `detail` (the PATCH body; empty when nothing changed). */
export function productChanges(detail, form) {
  const before = toForm(detail)
  const changes = {}
  for (const field of ['name', 'slug']) if (trim(form[field]) && trim(form[field]) !== before[field]) changes[field] = trim(form[field])
  if (form.category !== before.category) changes.category = form.category
  if (form.description.trim() !== before.description.trim()) changes.description = form.description.trim()
  const attributes = attributesOf(form.attributes)
  if (!same(sortedEntries(attributes), sortedEntries(attributesOf(before.attributes)))) changes.attributes = attributes
  const translations = translationsBody(form)
  // the server's JSON keeps its keys in an order of its own: compared whatever the order
  if (!same(canonical(translations), canonical(translationsBody(before)))) changes.translations = translations // replaced whole
  return changes
}

/**
 * The variant calls that turn `original` (the detail's variants) into the form's `rows`:
 * `create` (rows without an id, with their body), `update` (rows whose body differs: only the fields that
 * changed), `remove` (variants of the detail no row holds any more). Row order is kept in `create`.
 */
export function planVariants(original, rows) {
  const byId = new Map(original.map((variant) => [variant.id, variant]))
  const kept = new Set()
  const create = []
  const update = []
  for (const row of rows) {
    const body = variantBody(row)
    const before = row.id !== null && byId.get(row.id)
    if (!before) {
      create.push({ uid: row.uid, body })
      continue
    }
    kept.add(row.id)
    const was = variantBody(variantRow(before))
    const changes = {}
    for (const [field, value] of Object.entries(body)) {
      if (field === 'attributes' ? !same(sortedEntries(value), sortedEntries(was.attributes)) : value !== was[field]) {
        changes[field] = value
      }
    }
    if (Object.keys(changes).length) update.push({ uid: row.uid, id: row.id, changes })
  }
  const remove = original.filter((variant) => !kept.has(variant.id)).map((variant) => ({ id: variant.id, sku: variant.sku }))
  return { create, update, remove, kept: kept.size }
}

/**
 * The plan as calls in the order that cannot be refused for the wrong reason: deletions first (a new
 * variant may take a removed one's SKU), except that the product is never left without a variant
 * (409 `last_variant`): when every old variant goes, the last one goes after the new ones exist.
 */
export function orderedSteps(plan) {
  const early = plan.kept > 0 || !plan.create.length ? plan.remove : plan.remove.slice(0, -1)
  const late = plan.remove.slice(early.length)
  const removal = (item) => ({ kind: 'remove', ...item })
  return [
    ...early.map(removal),
    ...plan.update.map((item) => ({ kind: 'update', ...item })),
    ...plan.create.map((item) => ({ kind: 'create', ...item })),
    ...late.map(removal),
  ]
}

/** Whether the form says something the detail does not (for the unsaved-changes guard). */
export function isDirty(detail, form) {
  if (!detail) return !same(stripUids(form), stripUids(emptyForm()))
  const plan = planVariants(detail.variants ?? [], form.variants)
  return Object.keys(productChanges(detail, form)).length > 0 || plan.create.length + plan.update.length + plan.remove.length > 0
}

function stripUids(form) {
  return { ...form, attributes: form.attributes.map(({ key, value }) => ({ key, value })),
    variants: form.variants.map(({ uid: _uid, ...row }) => row) }
}

const PRICE = /^\d{1,10}(\.\d{1,2})?$/
const STOCK = /^\d{1,7}$/

/**
 * What the form can tell before sending (the server still decides): `{field: key}` of i18n keys under
 * `admin.catalogue.invalid`, with the same field names the server's errors are mapped to (errors.js).
 */
export function checkForm(form) {
  const errors = {}
  if (!trim(form.name)) errors.name = 'required'
  if (!form.category) errors.category = 'required'
  const keys = new Map()
  for (const row of form.attributes) {
    const key = trim(row.key)
    if (!key && trim(row.value)) errors[`attributes.${row.uid}.key`] = 'required'
    if (key && keys.has(key)) errors[`attributes.${row.uid}.key`] = 'duplicateKey'
    keys.set(key, row.uid)
  }
  if (!form.variants.length) errors.variants = 'noVariant'
  const skus = new Map()
  for (const row of form.variants) {
    const at = (field) => `variants.${row.uid}.${field}`
    const sku = trim(row.sku)
    if (!sku) errors[at('sku')] = 'required'
    else if (skus.has(sku)) errors[at('sku')] = 'duplicateSku'
    skus.set(sku, row.uid)
    if (!trim(row.label) && !defaultLabel(row)) errors[at('label')] = 'required'
    if (!trim(row.price)) errors[at('price')] = 'required'
    else if (!PRICE.test(priceOf(row.price))) errors[at('price')] = 'price'
    if (!STOCK.test(trim(row.stock))) errors[at('stock')] = 'stock'
  }
  return errors
}
