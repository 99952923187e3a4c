/**
 * The token of an emailed link, `…#token=<token>` (a fragment: it never reaches a server or a log), read
 * once and then taken out of the address bar (a replace: history.replaceState), so that it is not left in
 * the history, a bookmark or a shared screen. '' when the address has none.
 */
export function takeLinkToken(route, router) {
  const token = new URLSearchParams(route.hash.replace(/^#/, '')).get('token') ?? ''
  if (route.hash) router.replace({ path: route.path, query: route.query, hash: '' })
  return token.trim()
}
