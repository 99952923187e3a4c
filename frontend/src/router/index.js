import { createRouter, createWebHistory } from 'vue-router'

import { useSessionStore } from '@/stores/session'
import { useUiStore } from '@/stores/ui'
import CatalogueView from '@/views/CatalogueView.vue'

// The catalogue is in the first bundle (it is the landing page); every other page loads when visited.
const routes = [
  { path: '/', name: 'catalogue', component: CatalogueView },
  { path: '/products/:slug', name: 'product', component: () => import('@/views/ProductView.vue') },
  { path: '/checkout', name: 'checkout', component: () => import('@/views/CheckoutView.vue'), meta: { auth: true } },
  {
    path: '/checkout/thank-you/:id(\\d+)',
    name: 'order-placed',
    component: () => import('@/views/OrderPlacedView.vue'),
    meta: { auth: true },
  },
  { path: '/orders', name: 'orders', component: () => import('@/views/OrdersView.vue'), meta: { auth: true } },
  { path: '/orders/:id(\\d+)', name: 'order', component: () => import('@/views/OrderView.vue'), meta: { auth: true } },
  { path: '/profile', name: 'profile', component: () => import('@/views/ProfileView.vue'), meta: { auth: true } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue') },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior(to, from, saved) {
    if (saved) return saved
    if (to.name === 'catalogue' && from.name === 'catalogue' && to.query.page !== from.query.page) {
      return { el: '#catalogue-results', top: 88 }
    }
    if (to.name === from.name && to.path === from.path) return false // a filter changed: stay where we are
    return { top: 0 }
  },
})

// Pages of one's own account ask a guest to sign in, then go on to where they were going.
router.beforeEach((to, from) => {
  if (!to.meta.auth || useSessionStore().signedIn) return true
  useUiStore().requireAuth(() => router.push(to.fullPath), 'account')
  return from.matched.length ? false : { name: 'catalogue' }
})

// A failed lazy chunk (a deploy replaced it while the page was open): load the page afresh.
router.onError((error, to) => {
  if (/dynamically imported module|Importing a module script failed/i.test(error?.message ?? '')) {
    window.location.assign(to.fullPath)
  }
})
