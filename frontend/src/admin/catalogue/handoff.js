/**
 * A product just created (or renamed to a new slug) is shown by the editor's page of its new address
 * without being read again: the answer is handed over once, here, and taken by the page that opens.
 */
let held = null

export function handOff(detail, etag) {
  held = { detail, etag }
}

/** The handed-over product if it is the one with `slug` (forgotten either way). */
export function takeHandoff(slug) {
  const mine = held?.detail?.slug === slug ? held : null
  held = null
  return mine
}
