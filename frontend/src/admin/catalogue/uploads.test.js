import { describe, expect, it } from 'vitest'

import { deferred, flush, problem } from '@/test/helpers'

import { createUploadQueue, MAX_BYTES, moved, placed, uploadRefusal } from './uploads'

const file = (name, type = 'image/jpeg', size = 1000) => ({ name, type, size })

function queue() {
  const sent = []
  const done = []
  const previews = { made: [], dropped: [] }
  const q = createUploadQueue({
    send: (f, { onProgress, signal }) => {
      const answer = deferred()
      sent.push({ name: f.name, onProgress, signal, answer })
      signal.addEventListener('abort', () => answer.reject(problem(0, 'cancelled')))
      return answer.promise
    },
    onDone: (photo, etag) => done.push([photo.id, etag]),
    makePreview: (f) => {
      previews.made.push(f.name)
      return `blob:${f.name}`
    },
    dropPreview: (url) => previews.dropped.push(url),
  })
  return { q, sent, done, previews }
}

describe('photo uploads', () => {
  it('refuses what the server would refuse anyway: another type, too large, empty', () => {
    expect(uploadRefusal(file('a.jpg'))).toBeNull()
    expect(uploadRefusal(file('a.webp', 'image/webp', MAX_BYTES))).toBeNull()
    expect(uploadRefusal(file('a.gif', 'image/gif'))).toBe('type')
    expect(uploadRefusal(file('a.svg', 'image/svg+xml'))).toBe('type')
    expect(uploadRefusal(file('a.png', 'image/png', MAX_BYTES + 1))).toBe('size')
    expect(uploadRefusal(file('a.png', 'image/png', 0))).toBe('empty')
  })

  it('sends the files one at a time, with each one\'s progress, and lets each stored one go', async () => {
    const { q, sent, done, previews } = queue()
    q.add([file('one.jpg'), file('notes.txt', 'text/plain'), file('two.png', 'image/png')])
    await flush()
    expect(q.items.map((i) => [i.name, i.state, i.refusal])).toEqual([
      ['one.jpg', 'sending', null], ['notes.txt', 'refused', 'type'], ['two.png', 'waiting', null]])
    expect(previews.made).toEqual(['one.jpg', 'two.png']) // nothing made for a refused file
    expect(sent.map((s) => s.name)).toEqual(['one.jpg']) // the second waits for the first's version

    sent[0].onProgress(0.4)
    expect(q.items[0].progress).toBe(0.4)
    sent[0].onProgress(0.2) // never backwards
    expect(q.items[0].progress).toBe(0.4)
    sent[0].answer.resolve({ data: { id: 1 }, etag: '"v2"' })
    await flush()
    expect(done).toEqual([[1, '"v2"']])
    expect(previews.dropped).toEqual(['blob:one.jpg'])
    expect(q.items.map((i) => [i.name, i.state])).toEqual([['notes.txt', 'refused'], ['two.png', 'sending']])

    sent[1].answer.reject(problem(422, 'invalid_image'))
    await q.idle()
    expect(q.items.find((i) => i.name === 'two.png')).toMatchObject({ state: 'failed' })
    expect(q.items.find((i) => i.name === 'two.png').problem.code).toBe('invalid_image')
  })

  it('cancels a file being sent, retries it on demand, and frees every preview when the page goes', async () => {
    const { q, sent, previews } = queue()
    q.add([file('big.jpg')])
    await flush()
    const [item] = q.items
    q.cancel(item.uid)
    await q.idle()
    expect(q.items[0].state).toBe('cancelled')
    q.retry(item.uid)
    await flush()
    expect(sent).toHaveLength(2)
    expect(q.items[0].state).toBe('sending')
    q.dispose()
    await flush()
    expect(q.items).toHaveLength(0)
    expect(previews.dropped).toEqual(['blob:big.jpg'])
  })
})

describe('reordering photos', () => {
  it('moves a photo up or down one place, clamped at the ends', () => {
    expect(moved([1, 2, 3], 3, -1)).toEqual([1, 3, 2])
    expect(moved([1, 2, 3], 1, -1)).toEqual([1, 2, 3])
    expect(moved([1, 2, 3], 1, 1)).toEqual([2, 1, 3])
    expect(moved([1, 2, 3], 3, 1)).toEqual([1, 2, 3])
    expect(moved([1, 2, 3], 9, 1)).toEqual([1, 2, 3])
  })

  it('puts a dragged photo where it is dropped', () => {
    expect(placed([1, 2, 3, 4], 4, 0)).toEqual([4, 1, 2, 3])
    expect(placed([1, 2, 3, 4], 1, 2)).toEqual([2, 3, 1, 4])
    expect(placed([1, 2, 3], 2, 99)).toEqual([1, 3, 2])
  })
})
