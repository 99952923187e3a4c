import { computed, ref, watch } from 'vue'
import { useRoute } from 'vue-router'

import { catalogue } from '@/api'
import { i18n } from '@/i18n'

import { parseQuery, toApiParams, toFilterParams } from './catalogueQuery'
import { useResource } from './useResource'

const categories = ref(null)
let categoriesLoading = null
/** true while the categories are being read: a category's page waits for its name and description (its hero)
 * before it lays out what comes under it, so that nothing there moves when they arrive */
const categoriesPending = ref(false)

function loadCategories() {
  const asked = i18n.global.locale.value
  categoriesPending.value = true
  categoriesLoading = catalogue
    .categories()
    .then((list) => asked === i18n.global.locale.value && (categories.value = list))
    .catch(() => null)
    .finally(() => {
      categoriesLoading = null
      categoriesPending.value = false
    })
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
  // the facets follow the filters, not the page or the order: a new page asks for none
  const facetParams = computed(() => (route.name === 'catalogue' ? toFilterParams(filters.value) : null))
  const facets = useResource((p, config) => catalogue.facets(p, config), facetParams)
  return { filters, categories: useCategories(), categoriesPending, facets: facets.data, ...products }
}

/** One product's detail, by its slug (a ref or getter). */
export function useProduct(slug) {
  return useResource((s, config) => catalogue.product(s, config), slug, { keepData: false })
}
