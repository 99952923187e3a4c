import { computed, ref, toValue, watch } from 'vue'

/** The order axes are offered in: colour first (it changes the picture), then size, then the rest. */
const AXIS_ORDER = ['color', 'colour', 'size']

function axisRank(name) {
  const rank = AXIS_ORDER.indexOf(name)
  return rank === -1 ? AXIS_ORDER.length : rank
}

/**
 * Choosing a variant by its attributes (sizes, colours). `variants` is the product's list (a ref or getter).
 *
 * - `axes`: [{name, values: [{value, available}]}]; a value is unavailable (sold out) when no in-stock
 *   variant has it together with what is chosen on the axes before it (the colour for a size), so a size
 *   sold out in the chosen colour shows as sold out, and a colour with nothing left at all does too.
 * - `selected`: {axis: value}; `variant`: the variant they name once every axis is chosen, else null.
 * - An axis with one value is chosen from the start; so is the first colour that has stock.
 * - A product whose variants have no attributes (or just one variant) has no axes: `variant` is its first.
 */
export function useVariantPicker(variantsSource) {
  const variants = computed(() => toValue(variantsSource) ?? [])
  const selected = ref({})

  const axisNames = computed(() => {
    const names = []
    for (const v of variants.value) {
      for (const name of Object.keys(v.attributes ?? {})) if (!names.includes(name)) names.push(name)
    }
    return names.sort((a, b) => axisRank(a) - axisRank(b))
  })

  function matches(variant, choice) {
    return Object.entries(choice).every(([axis, value]) => variant.attributes?.[axis] === value)
  }

  /** The choices made on the axes before `index`. */
  function choicesBefore(index) {
    const choice = {}
    for (const name of axisNames.value.slice(0, index)) {
      if (selected.value[name] !== undefined) choice[name] = selected.value[name]
    }
    return choice
  }

  const axes = computed(() =>
    axisNames.value.map((name, index) => {
      const before = choicesBefore(index)
      const values = []
      for (const v of variants.value) {
        const value = v.attributes?.[name]
        if (value !== undefined && !values.includes(value)) values.push(value)
      }
      return {
        name,
        values: values.map((value) => ({
          value,
          available: variants.value.some((v) => v.in_stock && v.stock > 0 && matches(v, { ...before, [name]: value })),
        })),
      }
    }),
  )

  const variant = computed(() => {
    if (variants.value.length === 1 && axisNames.value.length === 0) return variants.value[0]
    if (axisNames.value.length === 0) return variants.value[0] ?? null
    if (!axisNames.value.every((name) => selected.value[name] !== undefined)) return null
    return variants.value.find((v) => matches(v, selected.value)) ?? null
  })

  /** Choose `value` on `axis`; a later choice that no longer exists or is sold out with it is undone. */
  function select(axis, value) {
    const next = { ...selected.value, [axis]: value }
    const index = axisNames.value.indexOf(axis)
    for (const later of axisNames.value.slice(index + 1)) {
      const stillThere = variants.value.some((v) => v.in_stock && v.stock > 0 && matches(v, { ...next }))
      if (next[later] !== undefined && !stillThere) delete next[later]
    }
    selected.value = next
  }

  function isAvailable(axis, value) {
    return axes.value.find((a) => a.name === axis)?.values.find((v) => v.value === value)?.available ?? false
  }

  function preselect() {
    const choice = {}
    for (const name of axisNames.value) {
      const values = [...new Set(variants.value.map((v) => v.attributes?.[name]).filter((x) => x !== undefined))]
      if (values.length === 1) choice[name] = values[0]
    }
    const colour = axisNames.value.find((n) => n === 'color' || n === 'colour')
    if (colour && choice[colour] === undefined) {
      const first = variants.value.find((v) => v.in_stock && v.stock > 0) ?? variants.value[0]
      if (first?.attributes?.[colour] !== undefined) choice[colour] = first.attributes[colour]
    }
    selected.value = choice
  }

  watch(variants, preselect, { immediate: true })

  return { axes, selected, variant, select, isAvailable }
}
