/**
 * Saving the product editor: the calls `editor.js` plans, one at a time, each sent with `If-Match` of the
 * version the previous answer gave (API.md: every staff write answers the product's new ETag), so a save
 * of several calls never needs a read between them, and a change someone else made meanwhile stops it at
 * once (412 `version_conflict`, which changes nothing).
 *
 * A call that fails stops the save where it is. What went through is kept: the returned `detail` is the
 * product as the server now has it (the calls' answers folded in), so the form, compared with it again,
 * plans only what is left; a variant that was created gets its id (`assigned`) so it is not created twice.
 */
import { createBody, orderedSteps, planVariants, productChanges } from './editor'

/** `api`: `{products, variants}` of ./api.js (or a test's double). Resolves `{detail, etag, assigned,
 * failed}`; `failed` is null, or `{call, problem}` with `call` as errors.js formErrors() takes it. */
export async function saveProduct(api, { detail, etag, form }) {
  if (!detail) {
    try {
      const created = await api.products.create(createBody(form))
      const assigned = Object.fromEntries(form.variants.map((row, i) => [row.uid, created.data.variants?.[i]?.id ?? null]))
      return { detail: created.data, etag: created.etag, assigned, failed: null }
    } catch (problem) {
      return { detail: null, etag, assigned: {}, failed: { call: { kind: 'product' }, problem } }
    }
  }

  let current = detail
  let version = etag
  const assigned = {}
  const step = async (send) => {
    const answer = await send(current.slug, version)
    version = answer.etag ?? version
    return answer.data
  }

  let call = { kind: 'product' }
  try {
    const changes = productChanges(current, form)
    if (Object.keys(changes).length) {
      const updated = await step((slug, v) => api.products.update(slug, changes, v))
      current = { ...updated, variants: current.variants } // the variants are the detail's until their own calls
    }
    for (const item of orderedSteps(planVariants(current.variants, form.variants))) {
      call = { kind: item.kind, uid: item.uid, id: item.id }
      if (item.kind === 'remove') {
        await step((slug, v) => api.variants.remove(slug, item.id, v))
        current = { ...current, variants: current.variants.filter((variant) => variant.id !== item.id) }
      } else if (item.kind === 'update') {
        const variant = await step((slug, v) => api.variants.update(slug, item.id, item.changes, v))
        current = { ...current, variants: current.variants.map((old) => (old.id === item.id ? variant : old)) }
      } else {
        const variant = await step((slug, v) => api.variants.create(slug, item.body, v))
        assigned[item.uid] = variant.id
        current = { ...current, variants: [...current.variants, variant] }
      }
    }
    return { detail: current, etag: version, assigned, failed: null }
  } catch (problem) {
    return { detail: current, etag: version, assigned, failed: { call, problem } }
  }
}

/** The form after a save: created rows get their ids, so that comparing with the new detail is right. */
export function withAssignedIds(form, assigned) {
  return { ...form, variants: form.variants.map((row) => (assigned[row.uid] ? { ...row, id: assigned[row.uid] } : row)) }
}

/**
 * One write to the product at a time: `line(task)` runs `task` once every write started before it has
 * settled, so each reads the version the one before it left (a save, an upload, a reorder at once).
 */
export function createWriteLine() {
  let tail = Promise.resolve()
  return (task) => {
    const run = tail.then(task, task)
    tail = run.catch(() => undefined)
    return run
  }
}
