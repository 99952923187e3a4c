import { i18n } from '@/i18n'

/**
 * What to tell the shopper about an ApiProblem: the text for its `code` (problems.<code> in the messages,
 * interpolated with the problem's own fields, such as `available`). The server's `detail` is English written
 * for developers, so it is never shown: a code the shop has no text for is said by its kind (a refusal, the
 * shop out of reach). problems.test.js checks that every code the services send has a text in each language.
 */
export function problemMessage(problem) {
  const { t, te } = i18n.global
  if (!problem) return t('problems.generic')
  // the orders service names the short lines instead of one `available`; none left is "sold out", not "only 0"
  let code = problem.code
  if (code === 'insufficient_stock' && problem.body?.lines) code = 'insufficient_stock_order'
  else if (code === 'insufficient_stock' && problem.body?.available === 0) code = 'insufficient_stock_none'
  const key = `problems.${code}`
  if (te(key) || te(key, 'en')) return t(key, { ...problem.body, retry: problem.retryAfter ?? 60 })
  if (problem.code.startsWith('http_5') || problem.status >= 500) return t('problems.unavailable')
  return t('problems.generic')
}
