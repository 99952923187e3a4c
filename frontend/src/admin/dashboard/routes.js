export default [
  { path: '', name: 'admin-dashboard', component: () => import('./DashboardView.vue') },
]
