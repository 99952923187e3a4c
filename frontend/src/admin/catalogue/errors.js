/**
 * The server's field errors put where the editor shows them. A 422 carries marshmallow's messages under
 * `errors.json` (shop_common/errors.py): `{name: [...]}`, a list's items by index
 * (`{variants: {"0": {price: [...]}}}`), a dict's entries by key, then `key` or `value`
 * (`{attributes: {"colour ": {key: [...]}}}`), a schema-wide one as `_schema`. A 409 about a field
 * (`slug_taken`, `sku_taken`) has the same shape. ApiProblem.fieldErrors flattens them to dotted paths
 * (`variants.0.price`); these functions turn such paths into the form's own names, which use the rows'
 * uids (`variants.variant-3.price`, `attributes.attribute-2.key`) so that an error stays on its row
 * while rows are added, removed and moved.
 */
const VARIANT_FIELDS = new Set(['sku', 'label', 'price', 'stock'])
const VARIANT_ATTRIBUTES = { size: 'size', color: 'color', colour: 'color' }

/** Where a variant's own error goes: `sku` -> `sku`; `attributes.size.value` -> `size`; else the row. */
function variantField(rest) {
  const [field, key] = rest
  if (VARIANT_FIELDS.has(field)) return field
  if (field === 'attributes' && VARIANT_ATTRIBUTES[key]) return VARIANT_ATTRIBUTES[key]
  return 'row'
}

/** Where an error about the product's attributes goes: its row's key or value, else the section. */
function attributeField(form, rest) {
  const [key, part] = rest
  if (key === undefined) return 'attributes'
  const row = form.attributes.find((r) => String(r.key).trim() === key)
  if (!row) return 'attributes'
  return `attributes.${row.uid}.${part === 'value' ? 'value' : 'key'}`
}

/**
 * The field errors of `problem` as `{formField: message}`, for the call it answered:
 * `{kind: 'product'}` (the product's POST or PATCH; a POST's `variants.<i>` are the form's rows in order) or
 * `{kind: 'create' | 'update', uid}` (a variant's own resource: its fields are that row's). `localized`
 * replaces the server's text when the problem has a code the shop words itself (`slug_taken`).
 * Anything that names no field of the form goes to `form` (shown above the form).
 */
export function formErrors(problem, form, call = { kind: 'product' }, localized = null) {
  const out = {}
  const put = (field, message) => {
    const text = localized ?? message
    out[field] = out[field] && out[field] !== text ? `${out[field]} ${text}` : text
  }
  for (const [path, message] of Object.entries(problem?.fieldErrors ?? {})) {
    const parts = path.split('.')
    if (call.kind === 'create' || call.kind === 'update') {
      put(`variants.${call.uid}.${variantField(parts)}`, message)
      continue
    }
    const [field, ...rest] = parts
    if (field === 'variants') {
      const row = rest.length && /^\d+$/.test(rest[0]) ? form.variants[Number(rest[0])] : null
      put(row ? `variants.${row.uid}.${variantField(rest.slice(1))}` : 'variants', message)
    } else if (field === 'attributes') {
      put(attributeField(form, rest), message)
    } else if (field === 'sku') {
      put('variants', message) // a new product's SKU that another variant has: the answer does not say which row
    } else if (['name', 'slug', 'category', 'description'].includes(field)) {
      put(field, message)
    } else if (field === 'translations') {
      const [code, part] = rest
      put(code && ['name', 'description'].includes(part) ? `translations.${code}.${part}`
        : code ? `translations.${code}.values` : 'form', message)
    } else if (field === 'images') {
      put('photos', message)
    } else {
      put('form', message)
    }
  }
  return out
}
