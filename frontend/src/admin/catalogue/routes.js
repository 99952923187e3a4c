// The catalogue section of the back office: products, the product editor, categories.
const editor = () => import('./ProductEditorView.vue')

export default [
  { path: 'products', name: 'admin-products', component: () => import('./ProductsView.vue') },
  { path: 'products/new', name: 'admin-product-new', component: editor },
  { path: 'products/:slug', name: 'admin-product', component: editor },
  { path: 'categories', name: 'admin-categories', component: () => import('./CategoriesView.vue') },
]
