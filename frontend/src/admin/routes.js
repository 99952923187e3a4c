/**
 * The back office's route tree, mounted by src/router. Each section (a folder beside this file) exports its
 * child routes from its own routes.js, components imported lazily, so sections never edit a shared file and
 * the storefront's first load carries none of their code: only these few route records.
 * `meta.auth` asks a guest to sign in, `meta.staff` shows anyone else the 403 page (src/router), and
 * `meta.admin` tells App.vue to leave the page to the back office's own layout.
 */
const sections = import.meta.glob('./*/routes.js', { eager: true })

export const adminChildren = Object.keys(sections)
  .sort()
  .flatMap((path) => sections[path].default)

export const adminRoutes = {
  path: '/admin',
  component: () => import('./AdminLayout.vue'),
  meta: { auth: true, staff: true, admin: true },
  children: [
    ...adminChildren,
    { path: ':pathMatch(.*)*', name: 'admin-not-found', component: () => import('./AdminNotFoundView.vue') },
  ],
}
