import { i18n } from '@/i18n'

import { adminProblemMessage } from '../composables/problems'

/** What to tell a staff member about a catalogue call's ApiProblem: this section's own text for its `code`
 * (admin.catalogue.problems), else the back office's (adminProblemMessage), else the storefront's. */
export function catalogueProblem(problem) {
  const { t, te } = i18n.global
  const key = `admin.catalogue.problems.${problem?.code}`
  if (problem?.code && (te(key) || te(key, 'en'))) return t(key, { ...problem.body })
  return adminProblemMessage(problem)
}

/** The section's text for a field conflict (`slug_taken`), shown at the field instead of the server's. */
export function localizedFieldProblem(problem) {
  const { t, te } = i18n.global
  const key = `admin.catalogue.problems.${problem?.code}`
  return problem?.code !== 'validation_error' && (te(key) || te(key, 'en')) ? t(key) : null
}
