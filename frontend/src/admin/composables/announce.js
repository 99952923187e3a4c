import { nextTick, ref } from 'vue'

/** What the back office's live regions read out (the layout renders them): results of a search, a status
 * moved, a refusal. The same text said twice is read twice (the region is emptied first). */
export const politeMessage = ref('')
export const assertiveMessage = ref('')

export async function announce(text, { assertive = false } = {}) {
  const target = assertive ? assertiveMessage : politeMessage
  target.value = ''
  await nextTick()
  target.value = text
}
