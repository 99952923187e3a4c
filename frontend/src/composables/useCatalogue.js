import { computed, ref } from 'vue'
import { useRoute } from 'vue-router'

import { catalogue } from '@/api'

import { parseQuery, toApiParams } from './catalogueQuery'
import { useResource } from './useResource'

const categories = ref(null)
let categoriesLoading = null
/** true while the categories are being read: a category's page waits for its name and description (its hero)
 * before it lays out what comes under it, so that nothing there moves when they arrive */
const categoriesPending = ref(false)

/** The categories, fetched once per visit (they change only when the staff edit them). */
export function useCategories() {
  if (!categories.value && !categoriesLoading) {
    categoriesPending.value = true
    categoriesLoading = catalogue
      .categories()
      .then((list) => (categories.value = list))
      .catch(() => null)
      .finally(() => {
        categoriesLoading = null
        categoriesPending.value = false
      })
  }
  return categories
}

/** The catalogue page's data: the filters read from the URL, the page of products they select. */
export function useCatalogue() {
  const route = useRoute()
  const filters = computed(() => parseQuery(route.query))
  const params = computed(() => (route.name === 'catalogue' ? toApiParams(filters.value) : null))
  const products = useResource((p, config) => catalogue.products(p, config), params)
  return { filters, categories: useCategories(), categoriesPending, ...products }
}

/** One product's detail, by its slug (a ref or getter). */
export function useProduct(slug) {
  return useResource((s, config) => catalogue.product(s, config), slug, { keepData: false })
}
