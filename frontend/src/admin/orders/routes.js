export default [
  { path: 'orders', name: 'admin-orders', component: () => import('./OrdersView.vue') },
  { path: 'orders/:id(\\d+)', name: 'admin-order', component: () => import('./OrderView.vue') },
]
