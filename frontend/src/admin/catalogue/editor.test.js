import { describe, expect, it } from 'vitest'

import {
  checkForm, createBody, emptyForm, emptyVariant, isDirty, orderedSteps, planVariants, productChanges, toForm,
  translationsBody, usedValues,
} from './editor'
import { formErrors } from './errors'

const DETAIL = {
  id: 9, slug: 'linen-shirt', name: 'Linen shirt', description: 'Cool.', category: { slug: 'shirts', name: 'Shirts' },
  attributes: { material: 'linen' },
  variants: [
    { id: 1, sku: 'LS-M-WHITE', label: 'M / White', attributes: { size: 'M', color: 'White', fit: 'slim' }, price: '40.00', stock: 3 },
    { id: 2, sku: 'LS-L-WHITE', label: 'L / White', attributes: { size: 'L', color: 'White' }, price: '40.00', stock: 0 },
  ],
}

describe('the product form', () => {
  it('is made from a detail: size and colour as columns, other attributes kept aside, stock as text', () => {
    const form = toForm(DETAIL)
    expect(form).toMatchObject({ name: 'Linen shirt', slug: 'linen-shirt', category: 'shirts', description: 'Cool.' })
    expect(form.attributes.map(({ key, value }) => [key, value])).toEqual([['material', 'linen']])
    expect(form.variants[0]).toMatchObject({ id: 1, size: 'M', color: 'White', sku: 'LS-M-WHITE', price: '40.00', stock: '3',
      extra: { fit: 'slim' } })
    expect(new Set(form.variants.map((v) => v.uid)).size).toBe(2)
  })

  it('is unchanged when nothing was edited: no PATCH, no variant call, not dirty', () => {
    const form = toForm(DETAIL)
    expect(productChanges(DETAIL, form)).toEqual({})
    expect(planVariants(DETAIL.variants, form.variants)).toEqual({ create: [], update: [], remove: [], kept: 2 })
    expect(isDirty(DETAIL, form)).toBe(false)
    expect(isDirty(null, emptyForm())).toBe(false)
  })

  it('sends only the product fields that changed, and attributes as a whole', () => {
    const form = toForm(DETAIL)
    form.name = '  Linen camp shirt '
    form.attributes.push({ uid: 'a', key: 'origin', value: 'Portugal' }, { uid: 'b', key: '', value: '' })
    expect(productChanges(DETAIL, form)).toEqual({ name: 'Linen camp shirt', attributes: { material: 'linen', origin: 'Portugal' } })
    form.slug = '' // emptied: the slug is kept, not cleared
    form.category = 'tops'
    expect(productChanges(DETAIL, form)).toMatchObject({ category: 'tops' })
    expect(productChanges(DETAIL, form)).not.toHaveProperty('slug')
    expect(isDirty(DETAIL, form)).toBe(true)
  })

  it('diffs the variant rows into creates, updates of the changed fields only, and deletes', () => {
    const form = toForm(DETAIL)
    form.variants[0].stock = '12'
    form.variants[0].color = 'Sand' // an attribute changes: the attributes go whole, the extra one kept
    form.variants.splice(1, 1) // L goes
    const added = { ...emptyVariant(), size: 'XL', color: 'Sand', sku: 'LS-XL-SAND', price: '42.50', stock: '5' }
    form.variants.push(added)

    const plan = planVariants(DETAIL.variants, form.variants)
    expect(plan.update).toEqual([{ uid: form.variants[0].uid, id: 1,
      changes: { attributes: { fit: 'slim', size: 'M', color: 'Sand' }, stock: 12 } }])
    expect(plan.create).toEqual([{ uid: added.uid,
      body: { sku: 'LS-XL-SAND', label: 'XL / Sand', attributes: { size: 'XL', color: 'Sand' }, price: '42.50', stock: 5 } }])
    expect(plan.remove).toEqual([{ id: 2, sku: 'LS-L-WHITE' }])
    expect(orderedSteps(plan).map((s) => s.kind)).toEqual(['remove', 'update', 'create'])
  })

  it('never removes the last variant before a new one exists', () => {
    const form = toForm(DETAIL)
    form.variants = [{ ...emptyVariant(), sku: 'LS-ONE', price: '10', stock: '1' }]
    const steps = orderedSteps(planVariants(DETAIL.variants, form.variants))
    expect(steps.map((s) => [s.kind, s.id ?? s.body.sku])).toEqual([['remove', 1], ['create', 'LS-ONE'], ['remove', 2]])
  })

  it('makes a new product\'s body: slug only when typed, labels from size and colour, else the SKU', () => {
    const form = emptyForm()
    Object.assign(form, { name: ' Wool hat ', category: 'hats', description: ' Warm. ' })
    Object.assign(form.variants[0], { sku: 'HAT-1', price: '15.00', stock: '4' })
    expect(createBody(form)).toEqual({ name: 'Wool hat', category: 'hats', description: 'Warm.', attributes: {},
      variants: [{ sku: 'HAT-1', label: 'HAT-1', attributes: {}, price: '15.00', stock: 4 }] })
    form.slug = 'wool-hat'
    expect(createBody(form).slug).toBe('wool-hat')
    form.variants[0].price = '15,50' // a decimal comma, as Russian writes it
    expect(createBody(form).variants[0].price).toBe('15.50')
    expect(checkForm(form)).toEqual({})
  })

  it('checks what it can before sending, at the same field names as the server\'s errors', () => {
    const form = emptyForm()
    const [row] = form.variants
    Object.assign(row, { price: '12.345', stock: '-1' })
    const twin = { ...emptyVariant(), sku: 'A', price: '1', stock: '0' }
    const copy = { ...emptyVariant(), sku: 'A', price: '1', stock: '0' }
    form.variants.push(twin, copy)
    form.attributes.push({ uid: 'k1', key: 'fit', value: 'x' }, { uid: 'k2', key: 'fit', value: 'y' }, { uid: 'k3', key: '', value: 'z' })
    expect(checkForm(form)).toEqual({
      name: 'required', category: 'required',
      'attributes.k2.key': 'duplicateKey', 'attributes.k3.key': 'required',
      [`variants.${row.uid}.sku`]: 'required', [`variants.${row.uid}.label`]: 'required',
      [`variants.${row.uid}.price`]: 'price', [`variants.${row.uid}.stock`]: 'stock',
      [`variants.${copy.uid}.sku`]: 'duplicateSku',
    })
    expect(checkForm({ ...form, variants: [] }).variants).toBe('noVariant')
  })
})

describe('the product\'s translations', () => {
  // the server's JSON keeps keys in an order of its own (jsonb: shorter first)
  const TRANSLATED = { ...DETAIL, translations: { ru: { values: { slim: 'узкий', White: 'Белый', linen: 'лён' },
    name: 'Льняная рубашка' } } }

  it('are in the form beside the English, and unchanged when nothing was edited', () => {
    const form = toForm(TRANSLATED)
    expect(form.translations.ru).toEqual({ name: 'Льняная рубашка', description: '',
      values: { slim: 'узкий', White: 'Белый', linen: 'лён' } })
    expect(usedValues(form)).toEqual(['linen', 'slim', 'M', 'White', 'L'])
    expect(productChanges(TRANSLATED, form)).toEqual({})
    expect(isDirty(TRANSLATED, form)).toBe(false)
    expect(toForm(DETAIL).translations.ru).toEqual({ name: '', description: '', values: {} }) // none yet
  })

  it('are sent as a whole when one changes: what is typed, values only of those still in use', () => {
    const form = toForm(TRANSLATED)
    form.translations.ru.description = '  Лёгкая рубашка. '
    form.translations.ru.values.M = ' '
    form.variants = form.variants.slice(1) // the slim one goes: "slim" is used no more
    expect(productChanges(TRANSLATED, form).translations).toEqual({ ru: { name: 'Льняная рубашка',
      description: 'Лёгкая рубашка.', values: { linen: 'лён', White: 'Белый' } } })
    expect(isDirty(TRANSLATED, form)).toBe(true)
    form.translations.ru = { name: '', description: '', values: {} }
    expect(translationsBody(form)).toEqual({})
    expect(productChanges(TRANSLATED, form).translations).toEqual({}) // emptied: every translation goes
  })

  it('go with a new product when typed, and not at all when not', () => {
    const form = emptyForm()
    Object.assign(form, { name: 'Tee', category: 'tops' })
    form.variants[0] = { ...form.variants[0], sku: 'TEE', price: '9', color: 'Navy' }
    expect(createBody(form).translations).toBeUndefined()
    form.translations.ru.name = 'Футболка'
    form.translations.ru.values.Navy = 'Тёмно-синий'
    expect(createBody(form).translations).toEqual({ ru: { name: 'Футболка', values: { Navy: 'Тёмно-синий' } } })
  })

  it('show the server\'s refusals at their fields', () => {
    const refused = { fieldErrors: { 'translations.ru.name': 'Longer than maximum length 200.',
      'translations.ru.values.linen.value': 'Longer than maximum length 200.', 'translations.de': 'Unknown field.' } }
    expect(formErrors(refused, toForm(DETAIL))).toEqual({ 'translations.ru.name': 'Longer than maximum length 200.',
      'translations.ru.values': 'Longer than maximum length 200.', 'translations.de.values': 'Unknown field.' })
  })
})
