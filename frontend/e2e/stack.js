// Starting and stopping the Playwright run's own stack (dev/stack.py), from the repository root.
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** shop_pw_<run>_: the databases of this run, dropped at its end (another run's are never touched) */
export const newDatabasePrefix = () => `shop_pw_${randomBytes(3).toString('hex')}_`

/** uv as the Makefile found it (UV), else from PATH, else the module pip installed. */
function uv() {
  if (process.env.UV) return process.env.UV.split(' ')
  return spawnSync('uv', ['--version']).status === 0 ? ['uv'] : ['python3', '-m', 'uv']
}

function run(args, options = {}) {
  const [command, ...rest] = [...uv(), 'run', '--quiet', ...args]
  return execFileSync(command, rest, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options })
}

/** The tests' Postgres (an admin URL) and a Redis database of this run (see e2e/servers.py). */
export function claimServers() {
  return JSON.parse(run(['python', 'frontend/e2e/servers.py', 'claim']))
}

export function releaseServers(prefix, postgresUrl, redisUrl) {
  process.stdout.write(run(['python', 'frontend/e2e/servers.py', 'release', prefix, postgresUrl ?? '', redisUrl ?? '']))
}

export function stackEnv({ varDir, prefix, offset, postgresUrl, redisUrl }) {
  // none of the caller's SHOP_ settings: the stack makes its own, as `make up` does
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SHOP_')))
  return {
    ...env,
    SHOP_STACK_VAR: varDir,
    SHOP_STACK_DATABASE_PREFIX: prefix,
    SHOP_STACK_PORT_OFFSET: String(offset),
    // the tests' servers; none given (they would be embedded), the stack starts its own in its folder
    ...(postgresUrl ? { SHOP_POSTGRES_URL: postgresUrl } : {}),
    ...(redisUrl ? { SHOP_REDIS_URL: redisUrl } : {}),
    // every journey registers an account from 127.0.0.1, and signs in from there (the accounts journeys many
    // times): the users service's throttles and the gateway's let them through
    SHOP_REGISTER_LIMIT_PER_ADDRESS: '1000 per hour',
    SHOP_LOGIN_LIMIT_PER_ADDRESS: '1000 per 15 minutes',
    SHOP_STACK_LOGINS_PER_MINUTE: '600',
    // the host the browser opens (playwright.config.js): the links the shop makes lead back to that origin
    SHOP_STACK_PUBLIC_HOST: '127.0.0.1',
  }
}

export function stack(command, env) {
  const [exe, ...rest] = [...uv(), 'run', '--quiet', 'python', 'dev/stack.py', command]
  const done = spawnSync(exe, rest, { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 })
  if (done.status !== 0) throw new Error(`dev/stack.py ${command} failed (exit ${done.status ?? done.signal})`)
}

export const newVarDir = () => mkdtempSync(join(tmpdir(), 'shop-pw-'))
