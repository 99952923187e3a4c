import { nextTick, onBeforeUnmount, watch } from 'vue'

const FOCUSABLE = [
  'a[href]', 'area[href]', 'button:not([disabled])', 'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])', 'textarea:not([disabled])', 'iframe', '[tabindex]:not([tabindex="-1"])',
  '[contenteditable="true"]',
].join(',')

/** Open traps, innermost last: only the innermost one handles keys. */
const stack = []

export function focusableIn(root) {
  return [...(root?.querySelectorAll(FOCUSABLE) ?? [])].filter(
    (el) => !el.closest('[inert]') && !el.hasAttribute('aria-hidden') && el.getClientRects().length > 0,
  )
}

/**
 * While `active` is true, keep keyboard focus inside `container` (Tab and Shift+Tab wrap around), close on
 * Escape (`onEscape`), and give focus back to what had it before when it ends. Focus starts on
 * `initialFocus` (an element, a ref or a function returning one), else the first control inside.
 */
export function useFocusTrap(container, active, { onEscape, initialFocus } = {}) {
  let returnTo = null
  const self = {}

  function onKeydown(event) {
    if (stack[stack.length - 1] !== self) return
    if (event.key === 'Escape' && onEscape) {
      event.stopPropagation()
      onEscape()
      return
    }
    if (event.key !== 'Tab') return
    const items = focusableIn(container.value)
    if (items.length === 0) {
      event.preventDefault()
      container.value?.focus()
      return
    }
    const first = items[0]
    const last = items[items.length - 1]
    const current = document.activeElement
    if (event.shiftKey && (current === first || !container.value.contains(current))) {
      event.preventDefault()
      last.focus()
    } else if (!event.shiftKey && (current === last || !container.value.contains(current))) {
      event.preventDefault()
      first.focus()
    }
  }

  async function start() {
    returnTo = document.activeElement
    stack.push(self)
    document.addEventListener('keydown', onKeydown, true)
    await nextTick()
    const wanted = typeof initialFocus === 'function' ? initialFocus() : initialFocus?.value
    const target = wanted ?? container.value?.querySelector('[autofocus]') ?? focusableIn(container.value)[0]
    ;(target ?? container.value)?.focus()
  }

  function stop() {
    const index = stack.indexOf(self)
    if (index === -1) return
    stack.splice(index, 1)
    document.removeEventListener('keydown', onKeydown, true)
    const target = returnTo
    returnTo = null
    if (target && document.contains(target)) target.focus()
    // what opened it may go with it (a cancelled order's button, removed in the same render): then the page's
    // heading, never the body
    nextTick(() => {
      if (!target || document.contains(target)) return
      if (document.activeElement && document.activeElement !== document.body) return
      const heading = document.querySelector('main h1')
      if (!heading) return
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1')
      heading.focus({ preventScroll: true })
    })
  }

  watch(active, (on) => (on ? start() : stop()), { immediate: true })
  onBeforeUnmount(stop)
}
