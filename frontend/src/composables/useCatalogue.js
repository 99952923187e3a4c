import { computed, ref, watch } from 'vue'
import { useRoute } from 'vue-router'

import { catalogue } from '@/api'
import { i18n } from '@/i18n'

import { parseQuery, toApiParams } from './catalogueQuery'
import { useResource } from './useResource'

const categories = ref(null)
let categoriesLoading = null

function loadCategories() {
  const asked = i18n.global.locale.value
  categoriesLoading = catalogue
    .categories()
    .then((list) => asked === i18n.global.locale.value && (categories.value = list))
    .catch(() => null)
    .finally(() => (categoriesLoading = null))
}

/** The categories, fetched once per visit (they change only when the staff edit them), and again in the
 * language the shopper switches to. */
export function useCategories() {
  if (!categories.value && !categoriesLoading) loadCategories()
  return categories
}

watch(() => i18n.global.locale.value, () => categories.value && loadCategories())

/** The catalogue page's data: the filters read from the URL, the page of products they select. */
export function useCatalogue() {
  const route = useRoute()
  const filters = computed(() => parseQuery(route.query))
  const params = computed(() => (route.name === 'catalogue' ? toApiParams(filters.value) : null))
  const products = useResource((p, config) => catalogue.products(p, config), params)
  return { filters, categories: useCategories(), ...products }
}

/** One product's detail, by its slug (a ref or getter). */
export function useProduct(slug) {
  return useResource((s, config) => catalogue.product(s, config), slug, { keepData: false })
}
