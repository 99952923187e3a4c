import { AxiosError } from 'axios'
import { describe, expect, it, vi } from 'vitest'

import { createHttp } from '@/api/http'
import { ApiProblem } from '@/api/problem'
import { createTokenStore } from '@/api/tokens'
import { deferred, flush, memoryStorage } from '@/test/helpers'

/** A fake shop behind an Axios adapter: `valid` is the access token it accepts; refresh rotates the pair. */
function fakeServer({ refreshAnswer } = {}) {
  const server = { valid: 'access-2', refreshCalls: 0, seen: [], refreshGate: null, gates: {}, answers: {}, rejectAll: false }
  const respond = (config, status, data, headers = {}) => {
    const response = { data, status, statusText: String(status), headers, config, request: {} }
    if (status >= 400) throw new AxiosError(`status ${status}`, 'ERR_BAD_REQUEST', config, {}, response)
    return response
  }
  server.adapter = async (config) => {
    const auth = config.headers?.Authorization ?? null
    server.seen.push(`${config.method} ${config.url} ${auth ?? '-'}`)
    if (config.url === '/auth/refresh/') {
      server.refreshCalls += 1
      if (server.refreshGate) await server.refreshGate
      if (refreshAnswer) return respond(config, refreshAnswer.status, refreshAnswer.body)
      return respond(config, 200, { access: server.valid, refresh: `refresh-${server.refreshCalls + 1}` })
    }
    if (server.gates[config.url]) await server.gates[config.url]
    const fixed = server.answers[config.url]
    if (fixed) return respond(config, fixed.status, fixed.body)
    if (server.rejectAll || auth !== `Bearer ${server.valid}`) {
      return respond(config, 401, { type: 'about:blank', title: 'Unauthorized', status: 401, code: 'token_expired',
        detail: 'The token has expired.' })
    }
    return respond(config, 200, { ok: config.url })
  }
  return server
}

function setup(options) {
  const server = fakeServer(options)
  const tokens = createTokenStore(memoryStorage(), null)
  tokens.set({ access: 'access-1', refresh: 'refresh-1' })
  const http = createHttp({ tokens, adapter: server.adapter })
  return { server, tokens, http }
}

describe('the API client', () => {
  it('sends the access token as a Bearer header, under /api', async () => {
    const { server, http, tokens } = setup()
    tokens.set({ access: 'access-2', refresh: 'refresh-1' })
    const response = await http.get('/cart/')
    expect(response.data).toEqual({ ok: '/cart/' })
    expect(server.seen).toEqual(['get /cart/ Bearer access-2'])
    expect(http.defaults.baseURL).toBe('/api')
  })

  it('refreshes once for many requests that meet a 401, and retries each of them once', async () => {
    const { server, http, tokens } = setup()
    const gate = deferred()
    server.refreshGate = gate.promise // hold the refresh so that every request queues behind it

    const calls = ['/cart/', '/users/profile/', '/order/list/'].map((url) => http.get(url))
    await flush()
    await flush()
    gate.resolve()
    const answers = await Promise.all(calls)

    expect(server.refreshCalls).toBe(1)
    expect(answers.map((a) => a.data.ok)).toEqual(['/cart/', '/users/profile/', '/order/list/'])
    expect(tokens.get()).toEqual({ access: 'access-2', refresh: 'refresh-2' })
    const retried = server.seen.filter((s) => s.endsWith('Bearer access-2'))
    expect(retried).toHaveLength(3)
    expect(server.seen.filter((s) => s.endsWith('Bearer access-1'))).toHaveLength(3)
  })

  it('does not refresh again for a 401 to a token that was replaced meanwhile', async () => {
    const { server, http } = setup()
    const slow = deferred()
    server.gates['/slow/'] = slow.promise
    const late = http.get('/slow/') // sent with access-1; its 401 comes after the refresh below
    await http.get('/cart/') // 401, refresh: access-1 -> access-2, retried
    expect(server.refreshCalls).toBe(1)
    slow.resolve()
    expect((await late).data).toEqual({ ok: '/slow/' })
    expect(server.refreshCalls).toBe(1)
    expect(server.seen.slice(-1)).toEqual(['get /slow/ Bearer access-2'])
  })

  it('signs out when the refresh is refused, and the callers see their own 401', async () => {
    const { server, http, tokens } = setup({
      refreshAnswer: { status: 401, body: { status: 401, code: 'token_reused', title: 'Unauthorized', detail: 'spent' } },
    })
    const heard = vi.fn()
    tokens.subscribe(heard)

    const results = await Promise.allSettled([http.get('/cart/'), http.get('/users/profile/')])

    expect(server.refreshCalls).toBe(1)
    for (const result of results) {
      expect(result.status).toBe('rejected')
      expect(result.reason).toBeInstanceOf(ApiProblem)
      expect(result.reason.code).toBe('token_expired')
    }
    expect(tokens.get()).toBeNull()
    expect(heard).toHaveBeenCalledWith(null, 'expired')
  })

  it('keeps the session when the refresh cannot be made (no answer), and says so', async () => {
    const { server, http, tokens } = setup({ refreshAnswer: { status: 503, body: { status: 503, code: 'service_unavailable' } } })
    const error = await http.get('/cart/').catch((p) => p)
    expect(server.refreshCalls).toBe(1)
    expect(error.code).toBe('service_unavailable')
    expect(tokens.get()).toEqual({ access: 'access-1', refresh: 'refresh-1' })
  })

  it('retries a request once only: a second 401 goes to the caller', async () => {
    const { server, http } = setup()
    server.rejectAll = true
    const error = await http.get('/cart/').catch((p) => p)
    expect(error.code).toBe('token_expired')
    expect(server.refreshCalls).toBe(1)
    expect(server.seen.filter((s) => s.startsWith('get /cart/'))).toHaveLength(2)
  })

  it('takes a 400 invalid_token (a spent emailed link) as the answer, never as a session to refresh', async () => {
    const { server, http, tokens } = setup()
    tokens.set({ access: 'access-2', refresh: 'refresh-1' })
    server.answers['/auth/verify-email/'] = { status: 400, body: { status: 400, code: 'invalid_token', title: 'Bad Request' } }
    const error = await http.post('/auth/verify-email/', { token: 't' }).catch((p) => p)
    expect([error.status, error.code]).toEqual([400, 'invalid_token'])
    expect(server.refreshCalls).toBe(0)
    expect(server.seen).toEqual(['post /auth/verify-email/ Bearer access-2'])
    expect(tokens.get()).toEqual({ access: 'access-2', refresh: 'refresh-1' })
  })

  it('never sends a token, or refreshes, for the calls that make one', async () => {
    const { server, http } = setup()
    server.valid = 'other'
    const error = await http.post('/auth/login/', { username: 'a', password: 'b' }, { skipAuth: true }).catch((p) => p)
    expect(server.seen).toEqual(['post /auth/login/ -'])
    expect(server.refreshCalls).toBe(0)
    expect(error.status).toBe(401)
  })

  it('turns every failure into an ApiProblem keyed by code', async () => {
    const adapter = async (config) => {
      if (config.url === '/down/') throw new AxiosError('Network Error', 'ERR_NETWORK', config, {})
      const body = config.url === '/html/' ? '<html>' : {
        type: 'about:blank', title: 'Unprocessable Entity', status: 422, code: 'validation_error', detail: 'see errors',
        errors: { json: { shipping: { city: ['Missing data for required field.'] }, comment: ['Too long.'] } },
      }
      const response = { data: body, status: config.url === '/html/' ? 502 : 422, headers: {}, config, request: {} }
      throw new AxiosError('x', 'ERR_BAD_REQUEST', config, {}, response)
    }
    const http = createHttp({ tokens: createTokenStore(memoryStorage(), null), adapter })

    const invalid = await http.post('/order/create/', {}).catch((p) => p)
    expect(invalid).toBeInstanceOf(ApiProblem)
    expect(invalid.code).toBe('validation_error')
    expect(invalid.fieldErrors).toEqual({ 'shipping.city': 'Missing data for required field.', comment: 'Too long.' })

    expect((await http.get('/down/').catch((p) => p)).code).toBe('network_error')
    const html = await http.get('/html/').catch((p) => p)
    expect([html.status, html.code]).toEqual([502, 'http_502'])
  })

  it('asks for the UI\'s language on every request, signed in or not, unless the call names its own', async () => {
    let locale = 'ru'
    const sent = []
    const adapter = async (config) => {
      sent.push(`${config.url} ${config.headers['Accept-Language']}`)
      return { data: {}, status: 200, headers: {}, config, request: {} }
    }
    const tokens = createTokenStore(memoryStorage(), null)
    const http = createHttp({ tokens, adapter, locale: () => locale })
    await http.get('/products/', { skipAuth: true })
    tokens.set({ access: 'access-1', refresh: 'refresh-1' })
    await http.get('/cart/')
    locale = 'en'
    await http.get('/categories/')
    await http.get('/products/x/', { headers: { 'Accept-Language': 'ru' } })
    expect(sent).toEqual(['/products/ ru', '/cart/ ru', '/categories/ en', '/products/x/ ru'])
  })
})
