import { describe, expect, it } from 'vitest'

import { problem } from '@/test/helpers'

import { emptyVariant, toForm } from './editor'
import { formErrors } from './errors'

const unprocessable = (json) => Object.assign(problem(422, 'validation_error'), { errors: { json } })

const form = toForm({
  name: 'Linen shirt', slug: 'linen-shirt', category: { slug: 'shirts' }, description: '',
  attributes: { material: 'linen', 'colour ': 'x' },
  variants: [{ id: 1, sku: 'A', label: 'A', attributes: {}, price: '1.00', stock: 1 }],
})
form.variants.push({ ...emptyVariant(), sku: 'B' })
const [first, second] = form.variants
const [material] = form.attributes

describe('the server\'s field errors, at their fields', () => {
  it('puts a new product\'s nested variant errors on the rows, by position', () => {
    const errors = formErrors(unprocessable({
      name: ['Missing data for required field.'],
      variants: { 1: { price: ['Not a valid number.'], attributes: { size: { value: ['Longer than maximum length 200.'] } } },
        0: { _schema: ['Bad.'] } },
    }), form)
    expect(errors).toEqual({
      name: 'Missing data for required field.',
      [`variants.${second.uid}.price`]: 'Not a valid number.',
      [`variants.${second.uid}.size`]: 'Longer than maximum length 200.',
      [`variants.${first.uid}.row`]: 'Bad.',
    })
  })

  it('puts a list-wide message on the section, and a dict entry\'s on its row\'s key or value', () => {
    const errors = formErrors(unprocessable({
      variants: ['Length must be between 1 and 100.'],
      attributes: { material: { value: ['Longer than maximum length 200.'] }, unknown: { key: ['Too long.'] } },
      category: ['No category \'nope\'.'],
      _schema: ['Something about the whole.'],
    }), form)
    expect(errors).toEqual({
      variants: 'Length must be between 1 and 100.',
      [`attributes.${material.uid}.value`]: 'Longer than maximum length 200.',
      attributes: 'Too long.',
      category: 'No category \'nope\'.',
      form: 'Something about the whole.',
    })
  })

  it('puts a variant resource\'s errors on the row that was sent', () => {
    const errors = formErrors(unprocessable({ stock: ['Must be greater than or equal to 0.'], attributes: { color: { value: ['x'] } } }),
      form, { kind: 'update', uid: first.uid })
    expect(errors).toEqual({ [`variants.${first.uid}.stock`]: 'Must be greater than or equal to 0.', [`variants.${first.uid}.color`]: 'x' })
  })

  it('words a field conflict in the shop\'s language when told how; a new product\'s SKU conflict has no row', () => {
    const slugTaken = Object.assign(problem(409, 'slug_taken'), { errors: { json: { slug: ['A product has this slug already.'] } } })
    expect(formErrors(slugTaken, form, { kind: 'product' }, 'Taken.')).toEqual({ slug: 'Taken.' })
    const skuTaken = Object.assign(problem(409, 'sku_taken'), { errors: { json: { sku: ['A variant has this SKU already.'] } } })
    expect(formErrors(skuTaken, form)).toEqual({ variants: 'A variant has this SKU already.' })
    expect(formErrors(skuTaken, form, { kind: 'create', uid: second.uid })).toEqual({ [`variants.${second.uid}.sku`]: 'A variant has this SKU already.' })
    expect(formErrors(problem(412, 'version_conflict'), form)).toEqual({})
  })
})
