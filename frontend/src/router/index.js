import { createRouter, createWebHistory } from 'vue-router'

import { adminRoutes } from '@/admin/routes'
import { useSessionStore } from '@/stores/session'
import { useUiStore } from '@/stores/ui'
import CatalogueView from '@/views/CatalogueView.vue'

const statusPage = () => import('@/views/StatusView.vue')

// The catalogue is in the first bundle (it is the landing page); every other page loads when visited.
export const routes = [
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
  // where the payment provider sends the shopper back (`?left=1`: from its cancel link)
  {
    path: '/orders/:id(\\d+)/payment',
    name: 'order-payment',
    component: () => import('@/views/OrderPaymentView.vue'),
    meta: { auth: true },
  },
  { path: '/profile', name: 'profile', component: () => import('@/views/ProfileView.vue'), meta: { auth: true } },
  // the pages of emailed links (the token is in the fragment): for guests too
  { path: '/password-reset', name: 'password-reset', component: () => import('@/views/PasswordResetView.vue') },
  { path: '/verify-email', name: 'verify-email', component: () => import('@/views/VerifyEmailView.vue') },
  adminRoutes,
  { path: '/:pathMatch(.*)*', name: 'not-found', component: statusPage, props: { status: 404 } },
  // never matched by an address (not-found comes first): the staff guard sends a signed-in shopper here, by
  // name, at the address they asked for
  { path: '/:pathMatch(.*)*', name: 'forbidden', component: statusPage, props: { status: 403 } },
]

/** The shop's router with its guards; tests pass a memory history. */
export function createAppRouter(history = createWebHistory()) {
  const router = createRouter({
    history,
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

  // The back office (meta.staff) is for staff: anyone else signed in gets the 403 page at the same address.
  router.beforeEach(async (to) => {
    if (!to.meta.staff) return true
    const session = useSessionStore()
    try {
      await session.ensureProfile()
    } catch {
      // the session ended while the profile was read (the guard above asks to sign in next time), or the
      // users service is away: then the pages say what their own calls answer
      return session.signedIn ? true : { name: 'catalogue' }
    }
    if (session.isStaff) return true
    return { name: 'forbidden', params: { pathMatch: to.path.slice(1).split('/') }, query: to.query, hash: to.hash }
  })

  // A failed lazy chunk (a deploy replaced it while the page was open): load the page afresh.
  router.onError((error, to) => {
    if (/dynamically imported module|Importing a module script failed/i.test(error?.message ?? '')) {
      window.location.assign(to.fullPath)
    }
  })
  return router
}

export const router = createAppRouter()
