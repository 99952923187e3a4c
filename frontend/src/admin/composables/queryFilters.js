import { computed } from 'vue'
import { useRoute, useRouter } from 'vue-router'

/**
 * A table's filters live in the URL query (like the catalogue's, src/composables/catalogueQuery.js), so a link
 * or the back button restores them. A page describes its filters once, as `{name: field}` with the fields
 * below; `parseFilters` reads them from a query (anything malformed is the default), `toFilterQuery` writes
 * only what differs from the defaults, and `withFilterChanges` resets `page` when anything else changes.
 * A field: `{parse(raw) -> value, format(value) -> string | '', empty: value}`.
 */
const one = (value) => (Array.isArray(value) ? value[0] : value)
const str = (value, max = 100) => {
  const s = one(value)
  return typeof s === 'string' ? s.trim().slice(0, max) : ''
}

export const field = {
  text: (max = 100) => ({ empty: '', parse: (raw) => str(raw, max), format: (v) => v }),
  /** A positive integer id, or null. */
  id: () => ({
    empty: null,
    parse: (raw) => (/^[1-9]\d{0,17}$/.test(str(raw)) ? Number(str(raw)) : null),
    format: (v) => (v ? String(v) : ''),
  }),
  /** A calendar day, YYYY-MM-DD. */
  date: () => ({
    empty: '',
    parse: (raw) => (/^\d{4}-\d{2}-\d{2}$/.test(str(raw)) && !Number.isNaN(Date.parse(str(raw))) ? str(raw) : ''),
    format: (v) => v,
  }),
  /** Several of `allowed`, in the URL as `a,b` (or repeated); kept in `allowed`'s order. */
  list: (allowed) => ({
    empty: [],
    parse: (raw) => {
      const given = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => (typeof v === 'string' ? v.split(',') : []))
      return allowed.filter((a) => given.includes(a))
    },
    format: (v) => v.join(','),
  }),
  /** One of `allowed`; the first is the default and never written. */
  choice: (allowed) => ({
    empty: allowed[0],
    parse: (raw) => (allowed.includes(str(raw)) ? str(raw) : allowed[0]),
    format: (v) => (v === allowed[0] ? '' : v),
  }),
  bool: () => ({ empty: null, parse: (raw) => ({ 1: true, 0: false })[str(raw)] ?? null, format: (v) => (v === null ? '' : v ? '1' : '0') }),
  page: () => ({
    empty: 1,
    parse: (raw) => {
      const n = Number.parseInt(str(raw), 10)
      return Number.isFinite(n) && n > 1 ? Math.min(n, 100000) : 1
    },
    format: (v) => (v > 1 ? String(v) : ''),
  }),
}

export function parseFilters(fields, query = {}) {
  return Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, f.parse(query[name])]))
}

/** The query for `values`: only what differs from the defaults, in the fields' order. */
export function toFilterQuery(fields, values) {
  const query = {}
  for (const [name, f] of Object.entries(fields)) {
    const written = values[name] === undefined ? '' : f.format(values[name])
    if (written) query[name] = written
  }
  return query
}

/** The query after `changes`: any change but the page itself goes back to page 1. Unknown keys of
 * `query` (another table's on the same page) are kept. */
export function withFilterChanges(fields, query, changes) {
  const values = { ...parseFilters(fields, query), ...changes }
  if (!('page' in changes) && 'page' in fields) values.page = 1
  const others = Object.fromEntries(Object.entries(query).filter(([name]) => !(name in fields)))
  return { ...others, ...toFilterQuery(fields, values) }
}

/** Whether any filter (not the page, not the ordering) differs from its default. */
export function filtersActive(fields, values, { ignore = ['page', 'ordering'] } = {}) {
  return Object.entries(fields).some(([name, f]) => !ignore.includes(name) && f.format(values[name]) !== f.format(f.empty))
}

/**
 * The filters of the current route's query: `filters` (parsed, reactive), `update(changes)` (a new history
 * entry: back undoes a filter), `clear()` (every filter back to its default, the ordering kept) and `active`.
 */
export function useQueryFilters(fields) {
  const route = useRoute()
  const router = useRouter()
  const filters = computed(() => parseFilters(fields, route.query))
  const active = computed(() => filtersActive(fields, filters.value))

  function update(changes) {
    return router.push({ query: withFilterChanges(fields, route.query, changes) })
  }

  function clear() {
    const defaults = Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, f.empty]))
    if ('ordering' in fields) defaults.ordering = filters.value.ordering
    return update(defaults)
  }

  return { filters, active, update, clear }
}
