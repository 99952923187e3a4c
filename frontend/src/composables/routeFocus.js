import { nextTick } from 'vue'

/**
 * What a full page load gives a screen reader, for the SPA's navigations: after a move to another page (a new
 * path: a filter or another page of results is not one), focus goes to the new page's h1 (made focusable with
 * tabindex=-1, without scrolling: the router restores the scroll) and `say` is given the page's name for a
 * polite live region: its title, else its h1, else its path, as Next.js's route announcer does. A page whose h1
 * comes with its data (a product) is waited for, up to `wait` ms; the next navigation stops the wait. `skip(to)`:
 * pages that see to it themselves (the back office).
 */
export function focusOnNavigation(router, say, { root = () => document.querySelector('main'), wait = 8000, skip = () => false } = {}) {
  let stop = () => {}
  router.afterEach((to, from, failure) => {
    if (failure || !from.matched.length || to.path === from.path || skip(to)) return
    stop()
    stop = whenHeading(root, wait, (heading) => {
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1')
      heading.focus({ preventScroll: true })
      say(document.title || heading.textContent.trim() || to.path)
    })
  })
}

/** Call `found` with the first h1 under `root()` once it is there (after the next render); a function that
 * stops waiting. */
function whenHeading(root, wait, found) {
  let observer = null
  let timer = null
  let done = false
  const stop = () => {
    done = true
    observer?.disconnect()
    clearTimeout(timer)
  }
  nextTick(() => {
    if (done) return
    const look = () => {
      const heading = root()?.querySelector('h1')
      if (!heading) return false
      stop()
      found(heading)
      return true
    }
    if (look() || !root()) return
    observer = new MutationObserver(look)
    observer.observe(root(), { childList: true, subtree: true })
    timer = setTimeout(stop, wait)
  })
  return stop
}
