export default [
  { path: 'customers', name: 'admin-customers', component: () => import('./CustomersView.vue') },
  { path: 'customers/:id(\\d+)', name: 'admin-customer', component: () => import('./CustomerView.vue') },
]
