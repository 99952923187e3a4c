import axios from 'axios'

import { i18n } from '@/i18n'

import { ApiProblem, AUTH_CODES, toProblem } from './problem'
import { secondsLeft, tokens as sharedTokens } from './tokens'

/** Refresh an access token this close to its end before using it (saves a 401 and a retry). */
const EARLY_REFRESH_SECONDS = 20

/** Refresh failures that mean the session is over: the refresh token is dead, spent, revoked or malformed.
 * Anything else (no answer, a 503, throttling) leaves the session as it is. */
const SESSION_OVER = new Set([...AUTH_CODES, 'validation_error'])

/** Run `task` holding a lock shared by every tab of this origin, so that only one tab rotates the refresh
 * token at a time (a spent refresh token presented again after the users service's few seconds of grace
 * revokes the whole session). */
function withTabLock(task) {
  const locks = globalThis.navigator?.locks
  return locks?.request ? locks.request('shop-token-refresh', task) : task()
}

/**
 * The one Axios instance every call goes through: base URL `/api`, `Accept-Language` the UI's language (the
 * server answers the catalogue, the cart's lines and its messages in it; `locale()` says which), the access
 * token as a Bearer header, and a single-flight refresh: a 401 (AUTH_CODES), or a token about to expire, starts at most one refresh; every request
 * that needs one waits for it and is retried once with the new token. When the refresh is refused the
 * tokens are cleared (listeners of `tokens` hear `expired`) and the caller gets the original problem.
 * Every error reaches the caller as an ApiProblem.
 */
export function createHttp({ tokens = sharedTokens, adapter, locale = () => i18n.global.locale.value } = {}) {
  const http = axios.create({ baseURL: '/api', timeout: 20000, adapter, headers: { Accept: 'application/json' } })
  let refreshing = null

  /** The current pair, refreshed unless someone already replaced the access token `stale`. */
  function refresh(stale) {
    if (!refreshing) {
      refreshing = withTabLock(async () => {
        const held = tokens.reload() ?? tokens.get()
        if (!held?.refresh) throw new ApiProblem({ status: 401, code: 'not_authenticated' })
        if (held.access !== stale && secondsLeft(held.access) > EARLY_REFRESH_SECONDS) return held
        try {
          const { data } = await http.post('/auth/refresh/', { refresh: held.refresh }, { skipAuth: true })
          tokens.set({ access: data.access, refresh: data.refresh }, 'refreshed')
          return tokens.get()
        } catch (error) {
          const problem = toProblem(error)
          if (SESSION_OVER.has(problem.code)) tokens.clear('expired')
          throw problem
        }
      }).finally(() => {
        refreshing = null
      })
    }
    return refreshing
  }

  http.interceptors.request.use(async (config) => {
    if (!config.headers['Accept-Language']) config.headers['Accept-Language'] = locale()
    if (config.skipAuth) return config
    let pair = tokens.get()
    if (pair?.access && secondsLeft(pair.access) <= EARLY_REFRESH_SECONDS) {
      try {
        pair = await refresh(pair.access)
      } catch {
        pair = tokens.get() // the session ended (null), or the refresh could not be made: try as we are
      }
    }
    if (pair?.access) config.headers.Authorization = `Bearer ${pair.access}`
    return config
  })

  http.interceptors.response.use(
    (response) => response,
    async (error) => {
      const problem = toProblem(error)
      const config = error?.config
      const sent = config?.headers?.Authorization?.replace(/^Bearer /, '')
      // a 401 only: `invalid_token` is also the 400 of a spent emailed link, which no refresh can mend
      const expired = problem.status === 401 && AUTH_CODES.has(problem.code)
      if (!expired || !sent || config.skipAuth || config.retried || !tokens.get()) throw problem
      try {
        await refresh(sent)
      } catch (refreshProblem) {
        // the session is over: the caller sees why its own call failed; otherwise the refresh's problem
        throw tokens.get() ? refreshProblem : problem
      }
      config.retried = true // once: a second 401 goes to the caller
      return http.request(config)
    },
  )
  return http
}

export const http = createHttp()
