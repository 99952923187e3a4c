import { describe, expect, it } from 'vitest'

import FormField from '@/components/FormField.vue'
import { mountWith } from '@/test/mount'

describe('FormField', () => {
  it('labels its input, reports what is typed, and ties its error to the input', async () => {
    const wrapper = mountWith(FormField, {
      props: { label: 'City', name: 'city', modelValue: '', required: true, 'onUpdate:modelValue': (v) => wrapper.setProps({ modelValue: v }) },
    })
    const input = wrapper.find('input')
    expect(wrapper.find('label').attributes('for')).toBe(input.attributes('id'))
    await input.setValue('London')
    expect(wrapper.emitted('update:modelValue')).toEqual([['London']])

    await wrapper.setProps({ error: 'Please fill this in.' })
    expect(input.attributes('aria-invalid')).toBe('true')
    const error = wrapper.find('[data-test=field-error]')
    expect(input.attributes('aria-describedby')).toBe(error.attributes('id'))
  })

  it('is a textarea when multiline, and says when it is optional', () => {
    const wrapper = mountWith(FormField, { props: { label: 'Note', name: 'comment', multiline: true } })
    expect(wrapper.find('textarea').exists()).toBe(true)
    expect(wrapper.find('label').text()).toBe('Note (optional)')
  })
})
