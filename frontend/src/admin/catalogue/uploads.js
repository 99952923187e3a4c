/**
 * Photo uploads of the product editor: what the browser can check before sending (the server still
 * decides: API.md, `POST /api/products/{slug}/images/`), and a queue that sends the files one at a time,
 * each with the version the previous answer gave (`If-Match`), reporting each file's progress.
 */
import { reactive } from 'vue'

import { newUid } from './editor'

export const ACCEPTED_TYPES = ['image/jpeg', 'image/png', 'image/webp']
export const MAX_BYTES = 10 * 1024 * 1024

/** Why `file` will not be sent (an i18n key under admin.catalogue.photos.invalid), or null. */
export function uploadRefusal(file) {
  if (!ACCEPTED_TYPES.includes(file?.type)) return 'type'
  if (file.size > MAX_BYTES) return 'size'
  if (file.size === 0) return 'empty'
  return null
}

/** Photos as a list in a new order: `ids` with `id` moved by `delta` places (clamped at the ends). */
export function moved(ids, id, delta) {
  const from = ids.indexOf(id)
  if (from < 0) return ids.slice()
  const to = Math.max(0, Math.min(ids.length - 1, from + delta))
  return placed(ids, id, to)
}

/** `ids` with `id` put at index `to` (what a drop on another photo does). */
export function placed(ids, id, to) {
  const rest = ids.filter((other) => other !== id)
  if (rest.length === ids.length) return ids.slice()
  rest.splice(Math.max(0, Math.min(rest.length, to)), 0, id)
  return rest
}

/**
 * The upload queue. `send(file, {onProgress, signal})` uploads one file and resolves its answer
 * `{data: photo, etag}`; `onDone(photo, etag)` is told of each photo stored, in the order sent.
 * `items` (reactive) is what the page shows: `{uid, name, size, preview, state, progress, refusal, problem}`,
 * `state` one of `refused` (not sent), `waiting`, `sending`, `failed`, `cancelled`; a stored one leaves the list.
 * `preview` is a blob: URL of the file, revoked when its item goes.
 */
export function createUploadQueue({ send, onDone, makePreview = (file) => URL.createObjectURL(file),
  dropPreview = (url) => URL.revokeObjectURL(url) }) {
  const items = reactive([])
  const files = new Map()
  let running = null

  function forget(uid) {
    const index = items.findIndex((item) => item.uid === uid)
    if (index < 0) return
    const [item] = items.splice(index, 1)
    if (item.preview) dropPreview(item.preview)
    files.delete(uid)
  }

  async function drain() {
    for (let item = next(); item; item = next()) {
      const controller = new AbortController()
      item.state = 'sending'
      item.progress = 0
      item.abort = () => controller.abort()
      try {
        const answer = await send(files.get(item.uid), {
          signal: controller.signal,
          onProgress: (fraction) => (item.progress = Math.max(item.progress, Math.min(1, fraction))),
        })
        onDone(answer.data, answer.etag)
        forget(item.uid)
      } catch (problem) {
        item.state = problem?.code === 'cancelled' ? 'cancelled' : 'failed'
        item.problem = problem
      } finally {
        item.abort = null
      }
    }
    running = null
  }

  const next = () => items.find((item) => item.state === 'waiting')

  return {
    items,
    /** Add files (a FileList or an array): refused ones stay in the list with the reason; the rest are sent. */
    add(list) {
      for (const file of Array.from(list ?? [])) {
        const uid = newUid('upload')
        const refusal = uploadRefusal(file)
        files.set(uid, file)
        items.push({ uid, name: file.name, size: file.size, preview: refusal ? null : makePreview(file),
          state: refusal ? 'refused' : 'waiting', progress: 0, refusal, problem: null, abort: null })
      }
      running ??= drain()
      return running
    },
    /** Send a failed or cancelled file again. */
    retry(uid) {
      const item = items.find((i) => i.uid === uid)
      if (!item || !['failed', 'cancelled'].includes(item.state)) return running
      Object.assign(item, { state: 'waiting', problem: null, progress: 0 })
      running ??= drain()
      return running
    },
    /** Stop sending a file (or take a waiting, refused or failed one off the list). */
    cancel(uid) {
      const item = items.find((i) => i.uid === uid)
      if (item?.state === 'sending') item.abort?.()
      else forget(uid)
    },
    dismiss: forget,
    /** Forget everything (the page is left): stops what is being sent, frees the previews. */
    dispose() {
      for (const item of items.slice()) {
        item.abort?.()
        forget(item.uid)
      }
    },
    idle: () => running ?? Promise.resolve(),
  }
}
