import { describe, expect, it, vi } from 'vitest'

import { flush } from '@/test/helpers'

import { iconPath } from './appIcons'
import { PATHS as MORE } from './appIconsMore'

describe('the icons’ paths', () => {
  it('are at hand for the catalogue’s first view, and load for the others on their first draw', async () => {
    expect(iconPath('bag')).toMatch(/^M6 8h12/)
    expect(iconPath('trash')).toBe('') // not loaded yet: drawn empty, in its sized box
    await vi.dynamicImportSettled()
    await flush()
    expect(iconPath('trash')).toBe(MORE.trash)
    expect(iconPath('no-such-icon')).toBe('')
  })

  it('are never in both sets', async () => {
    const first = ['bag', 'search', 'sun', 'moon', 'user', 'close', 'chevronLeft', 'chevronRight', 'check', 'alert',
      'info', 'truck', 'refresh', 'shield', 'filter', 'box', 'logout', 'receipt', 'globe', 'grid']
    for (const name of first) expect(iconPath(name), name).not.toBe('')
    expect(Object.keys(MORE).filter((name) => first.includes(name))).toEqual([])
  })
})
