import axe from 'axe-core'
import { compileString } from 'sass'
import { describe, expect, test } from 'vitest'

// The colour tokens against WCAG 2.2 AA, in both themes, with axe-core's own colour maths (the same as the
// browser check's): text at 4.5:1 on every ground and on its own soft tint, the edge of a field and the focus
// ring at 3:1 (1.4.11). The themes are read from _tokens.scss as Sass compiles them.

const { Color, getContrast, flattenColors } = axe.commons.color

const GROUNDS = ['bg', 'bg-raised', 'surface', 'surface-2', 'surface-3']
const TEXTS = ['text', 'text-muted', 'text-faint', 'accent', 'accent-strong', 'success', 'warning', 'danger', 'info']
const TINTED = { success: 'success-soft', warning: 'warning-soft', danger: 'danger-soft', info: 'info-soft', 'accent-strong': 'accent-soft' }
const UI = ['control', 'focus']

function themes() {
  const css = compileString(
    "@use 'tokens' as *; .dark { @include theme($dark, $shadows-dark); } .light { @include theme($light, $shadows-light); }",
    { loadPaths: [import.meta.dirname] },
  ).css
  const out = {}
  for (const [, name, body] of css.matchAll(/\.(dark|light)\s*\{([^}]*)\}/g)) {
    out[name] = Object.fromEntries([...body.matchAll(/--color-([\w-]+):\s*([^;]+);/g)].map(([, k, v]) => [k, v.trim()]))
  }
  return out
}

function color(value) {
  const c = new Color()
  c.parseString(value)
  return c
}

/** `value` as seen on `ground` (a soft tint is see-through). */
const on = (value, ground) => flattenColors(color(value), color(ground))
const ratio = (fg, bg) => Math.round(getContrast(bg, fg) * 100) / 100

describe.each(['dark', 'light'])('the %s theme', (name) => {
  const theme = themes()[name]

  test('every text colour reads at 4.5:1 on every ground', () => {
    const short = []
    for (const text of TEXTS) {
      for (const ground of GROUNDS) {
        const r = ratio(color(theme[text]), color(theme[ground]))
        if (r < 4.5) short.push(`${text} on ${ground}: ${r}`)
      }
    }
    expect(short).toEqual([])
  })

  test('a tone reads at 4.5:1 on its own soft tint (badges, notes)', () => {
    const short = []
    for (const [text, tint] of Object.entries(TINTED)) {
      for (const ground of ['bg', 'surface', 'surface-2']) {
        const r = ratio(color(theme[text]), on(theme[tint], theme[ground]))
        if (r < 4.5) short.push(`${text} on ${tint} over ${ground}: ${r}`)
      }
    }
    expect(short).toEqual([])
  })

  test('the edge of a field and the focus ring stand out at 3:1 from every ground', () => {
    const short = []
    for (const ui of UI) {
      for (const ground of GROUNDS.slice(0, 4)) {
        const r = ratio(color(theme[ui]), color(theme[ground]))
        if (r < 3) short.push(`${ui} on ${ground}: ${r}`)
      }
    }
    expect(short).toEqual([])
  })

  test('a primary button and a selected pill read at 4.5:1', () => {
    expect(ratio(color(theme['accent-contrast']), color(theme.accent))).toBeGreaterThanOrEqual(4.5)
    expect(ratio(color(theme['accent-contrast']), color(theme['accent-strong']))).toBeGreaterThanOrEqual(4.5)
    expect(ratio(color(theme.bg), color(theme.text))).toBeGreaterThanOrEqual(4.5)
  })
})
