import { ref } from 'vue'

const KEY = 'shop.theme'

/** The remembered theme: dark unless the shopper chose light. */
export function storedTheme() {
  try {
    return localStorage.getItem(KEY) === 'light' ? 'light' : 'dark'
  } catch {
    return 'dark'
  }
}

export function applyTheme(name) {
  document.documentElement.dataset.theme = name
  document.querySelector('meta[name="theme-color"]')?.setAttribute('content', name === 'light' ? '#f6f4f0' : '#0e1014')
}

const theme = ref(typeof document === 'undefined' ? 'dark' : storedTheme())

/** The colour theme, shared by every caller: `toggle()` flips it and remembers the choice. */
export function useTheme() {
  function set(name) {
    theme.value = name
    applyTheme(name)
    try {
      localStorage.setItem(KEY, name)
    } catch {
      // not remembered: fine
    }
  }
  return { theme, set, toggle: () => set(theme.value === 'dark' ? 'light' : 'dark') }
}
