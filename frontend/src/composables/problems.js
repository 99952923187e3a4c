import { i18n } from '@/i18n'

/**
 * What to tell the shopper about an ApiProblem: the text for its `code` (problems.<code> in the messages,
 * interpolated with the problem's own fields, such as `available`). A code the shop does not know falls
 * back to the server's `detail`, which is written for people (an answer that was not problem+json, to a
 * generic text).
 */
export function problemMessage(problem) {
  const { t, te } = i18n.global
  if (!problem) return t('problems.generic')
  // the orders service names the short lines instead of one `available`
  const code = problem.code === 'insufficient_stock' && problem.body?.lines ? 'insufficient_stock_order' : problem.code
  const key = `problems.${code}`
  if (te(key) || te(key, 'en')) return t(key, { ...problem.body, retry: problem.retryAfter ?? 60 })
  if (problem.code.startsWith('http_5')) return t('problems.unavailable')
  return problem.detail || t('problems.generic')
}
