import { describe, expect, it } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'

import { useResource } from '@/composables/useResource'
import { i18n } from '@/i18n'
import { flush } from '@/test/helpers'

describe('useResource', () => {
  it('reads what is on screen again when the language changes, keeping it shown meanwhile', async () => {
    const calls = []
    let answer = null
    const fetcher = (slug) => {
      calls.push(`${slug} ${i18n.global.locale.value}`)
      return new Promise((resolve) => (answer = resolve))
    }
    const scope = effectScope()
    const slug = ref('linen-shirt')
    const { data, loading } = scope.run(() => useResource(fetcher, slug, { keepData: false }))
    await nextTick()
    answer({ name: 'Linen shirt' })
    await flush()
    expect(data.value).toEqual({ name: 'Linen shirt' })

    i18n.global.locale.value = 'ru'
    await nextTick()
    expect(calls).toEqual(['linen-shirt en', 'linen-shirt ru'])
    expect([data.value, loading.value]).toEqual([{ name: 'Linen shirt' }, true]) // not emptied while it is read
    answer({ name: 'Льняная рубашка' })
    await flush()
    expect(data.value).toEqual({ name: 'Льняная рубашка' })

    slug.value = 'oxford' // another product: emptied first, as before
    await nextTick()
    expect(data.value).toBeNull()
    scope.stop()
    i18n.global.locale.value = 'en'
    await nextTick()
    expect(calls).toHaveLength(3) // nothing is read once the page is gone
  })
})
