/**
 * Every failed call becomes one ApiProblem carrying the RFC 9457 problem+json body (CONTRACT.md: Errors).
 * Callers branch on `code` only: the services' stable codes, plus three of the client's own:
 * `network_error` (no answer), `cancelled` (aborted by us) and `http_<status>` (an answer that was not
 * problem+json, which the gateway and the services never send on purpose).
 */
export class ApiProblem extends Error {
  constructor({ status = 0, code = 'network_error', title = '', detail = '', errors = null, error_codes: errorCodes = null,
    body = null, retryAfter = null } = {}) {
    super(detail || title || code)
    this.name = 'ApiProblem'
    this.status = status
    this.code = code
    this.title = title
    this.detail = detail
    this.errors = errors
    this.errorCodes = errorCodes
    this.body = body ?? {}
    this.retryAfter = retryAfter
  }

  /** Field messages of a 422 (or a 409 naming a field), flattened: `{'shipping.city': 'Missing data...'}`. The
   * server's English, for developers: a shopper is shown `fieldMessages(problem)` (composables/problems.js). */
  get fieldErrors() {
    return flatten(this.errors, (messages) => messages.join(' '))
  }

  /** The code of each field's first message (the server's `error_codes`, beside `errors`), flattened like
   * `fieldErrors`: `{'shipping.city': 'required'}`; a field the server named without a code has none here. */
  get fieldCodes() {
    return flatten(this.errorCodes, (codes) => codes[0])
  }
}

/** `tree` (location -> field -> ... -> list of strings) as `{'field.sub': leaf(list)}`: the form knows names,
 * not where the field came from (json, query, headers). */
function flatten(tree, leaf) {
  const out = {}
  const walk = (node, path) => {
    if (Array.isArray(node)) {
      if (node.every((item) => typeof item === 'string')) out[path] = leaf(node)
      else node.forEach((item, index) => walk(item, path ? `${path}.${index}` : String(index)))
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) walk(value, path ? `${path}.${key}` : key)
    } else if (typeof node === 'string') {
      out[path] = leaf([node])
    }
  }
  for (const where of Object.values(tree ?? {})) walk(where, '')
  return out
}

/** The codes of a 401 from any service: the token is missing, malformed, expired, revoked or spent. */
export const AUTH_CODES = new Set([
  'not_authenticated', 'invalid_token', 'token_expired', 'token_revoked', 'token_reused', 'fresh_token_required',
])

/** Turn whatever Axios rejected with into an ApiProblem. */
export function toProblem(error) {
  if (error instanceof ApiProblem) return error
  if (error?.code === 'ERR_CANCELED' || error?.name === 'CanceledError') {
    return new ApiProblem({ code: 'cancelled', detail: 'The request was cancelled.' })
  }
  const response = error?.response
  if (!response) {
    return new ApiProblem({ status: 0, code: 'network_error', detail: error?.message ?? 'No answer.' })
  }
  const body = response.data
  const retryAfter = Number(response.headers?.['retry-after']) || null
  if (body && typeof body === 'object' && typeof body.code === 'string') {
    return new ApiProblem({ ...body, status: response.status, body, retryAfter })
  }
  return new ApiProblem({ status: response.status, code: `http_${response.status}`, retryAfter,
    detail: `Unexpected answer (${response.status}).` })
}
