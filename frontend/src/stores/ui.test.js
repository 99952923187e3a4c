import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { useUiStore } from './ui'

describe('toasts', () => {
  let ui
  beforeEach(() => {
    vi.useFakeTimers()
    setActivePinia(createPinia())
    ui = useUiStore()
  })
  afterEach(() => vi.useRealTimers())

  const messages = () => ui.toasts.map((t) => t.message)

  it('go by themselves after their time', () => {
    ui.toast('Saved.', { timeout: 5000 })
    vi.advanceTimersByTime(4999)
    expect(messages()).toEqual(['Saved.'])
    vi.advanceTimersByTime(1)
    expect(messages()).toEqual([])
  })

  it('wait while paused (the pointer or focus on them), then get the time they had left', () => {
    ui.toast('Saved.', { timeout: 5000 })
    vi.advanceTimersByTime(3000)
    ui.pauseToasts()
    vi.advanceTimersByTime(60_000)
    expect(messages()).toEqual(['Saved.'])
    ui.resumeToasts()
    vi.advanceTimersByTime(1999)
    expect(messages()).toEqual(['Saved.'])
    vi.advanceTimersByTime(1)
    expect(messages()).toEqual([])
  })

  it('added while paused wait too; every one has a second at least once resumed', () => {
    ui.toast('First.', { timeout: 1000 })
    vi.advanceTimersByTime(900)
    ui.pauseToasts()
    ui.toast('Second.', { timeout: 5000 })
    vi.advanceTimersByTime(10_000)
    expect(messages()).toEqual(['First.', 'Second.'])
    ui.resumeToasts()
    vi.advanceTimersByTime(999)
    expect(messages()).toEqual(['First.', 'Second.'])
    vi.advanceTimersByTime(1)
    expect(messages()).toEqual(['Second.'])
    vi.advanceTimersByTime(4000)
    expect(messages()).toEqual([])
  })

  it('dismissed by hand leave no timer behind, and one without a timeout stays', () => {
    const id = ui.toast('Saved.')
    ui.toast('Stays.', { timeout: 0 })
    ui.dismiss(id)
    ui.pauseToasts()
    ui.resumeToasts()
    vi.advanceTimersByTime(60_000)
    expect(messages()).toEqual(['Stays.'])
  })

  it('show in the innermost open dialog that offers them a place', () => {
    const drawer = document.createElement('div')
    const dialog = document.createElement('div')
    ui.addToastHost(drawer)
    ui.addToastHost(dialog)
    expect(ui.toastHosts.at(-1)).toBe(dialog)
    ui.removeToastHost(dialog)
    expect(ui.toastHosts.at(-1)).toBe(drawer)
    ui.removeToastHost(drawer)
    expect(ui.toastHosts).toEqual([])
  })
})
