import { problemMessage } from '@/composables/problems'
import { i18n } from '@/i18n'

/** What to tell a staff member about an ApiProblem: the back office's own text for its `code` where it has
 * one (a refusal the storefront never meets, or says differently), else the storefront's (problems.js). */
export function adminProblemMessage(problem) {
  const { t, te } = i18n.global
  const key = `admin.components.problems.${problem?.code}`
  if (problem?.code && (te(key) || te(key, 'en'))) return t(key, { ...problem.body })
  return problemMessage(problem)
}
