import { ref, shallowRef } from 'vue'

import { addresses as api } from '@/api'

/**
 * The signed-in shopper's address book (`/api/users/addresses/`), for checkout and the profile. `list` is
 * null until the first answer; it is always the server's list, in the server's order (the default first,
 * then the newest), read again after every change, so that the one default is wherever the server put it.
 * Each change rejects with the call's ApiProblem (the list is read again after a 404: it was stale).
 */
export function useAddresses() {
  const list = shallowRef(null)
  const problem = shallowRef(null)
  const loading = ref(false)

  async function load() {
    loading.value = true
    try {
      list.value = await api.list()
      problem.value = null
    } catch (p) {
      problem.value = p
    } finally {
      loading.value = false
    }
    return list.value
  }

  async function change(call) {
    try {
      return await call()
    } catch (p) {
      if (p.code === 'address_not_found') await load()
      throw p
    }
  }

  const create = (address) => change(async () => {
    const made = await api.create(address)
    await load()
    return made
  })
  const update = (id, changes) => change(async () => {
    const saved = await api.update(id, changes)
    await load()
    return saved
  })
  const remove = (id) => change(async () => {
    await api.remove(id)
    await load()
  })
  const makeDefault = (id) => update(id, { is_default: true })

  return { list, problem, loading, load, create, update, remove, makeDefault }
}
