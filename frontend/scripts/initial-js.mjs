#!/usr/bin/env node
// The JavaScript the catalogue page (/) loads before it can run: the entry chunk and every chunk it
// imports statically, found in Vite's build manifest (dynamic imports, i.e. the other pages, the side cart,
// the sign-in modal and the Russian texts, are left out). Prints their gzipped sizes (zlib level 9, what a
// precompressing server would send) and fails when the total is over the budget.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const BUDGET_KB = 100
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'))

const entries = Object.entries(manifest).filter(([, chunk]) => chunk.isEntry)
if (entries.length !== 1) throw new Error(`expected one entry in the manifest, found ${entries.length}`)

const seen = new Set()
const walk = (key) => {
  if (seen.has(key)) return
  seen.add(key)
  for (const next of manifest[key].imports ?? []) walk(next)
}
walk(entries[0][0])

const kb = (bytes) => (bytes / 1024).toFixed(1)
let raw = 0
let gzipped = 0
const rows = [...seen].map((key) => {
  const file = manifest[key].file
  const bytes = readFileSync(join(dist, file))
  const size = gzipSync(bytes, { level: 9 }).length
  raw += bytes.length
  gzipped += size
  return `  ${file.padEnd(40)} ${kb(bytes.length).padStart(7)} KB  ${kb(size).padStart(6)} KB gzipped`
})
console.log('Initial JavaScript of the catalogue page (entry + static imports):')
console.log(rows.join('\n'))
console.log(`initial JS: ${kb(gzipped)} KB gzipped (${kb(raw)} KB raw), budget ${BUDGET_KB} KB`)
if (gzipped > BUDGET_KB * 1024) {
  console.error(`over budget by ${kb(gzipped - BUDGET_KB * 1024)} KB`)
  process.exit(1)
}
