import { rmSync } from 'node:fs'

import { ATTACHED, PORT_OFFSET } from '../playwright.config.js'

import { SCREENSHOTS } from './fixtures.js'
import { claimServers, newDatabasePrefix, newVarDir, releaseServers, stack, stackEnv } from './stack.js'

/** Start the shop for the run: `uv run python dev/stack.py up` (which builds the SPA if it is stale),
 * with its files in a temporary folder, its databases under a prefix of the run, a Redis database of its
 * own, and its ports moved by PORT_OFFSET. */
export default async function globalSetup() {
  rmSync(SCREENSHOTS, { recursive: true, force: true }) // this run's screenshots only
  if (ATTACHED) return // the shop of another test, which starts and stops it
  const servers = claimServers()
  const prefix = newDatabasePrefix()
  const varDir = newVarDir()
  const env = stackEnv({ varDir, prefix, offset: PORT_OFFSET, postgresUrl: servers.postgres_url,
    redisUrl: servers.redis_url })
  // for the teardown
  process.env.SHOP_PW_STACK = JSON.stringify({ env, prefix, postgresUrl: servers.postgres_url, redisUrl: servers.redis_url })
  try {
    stack('up', env)
  } catch (error) {
    try {
      stack('down', env)
    } finally {
      releaseServers(prefix, servers.postgres_url, servers.redis_url)
      rmSync(varDir, { recursive: true, force: true })
    }
    throw error
  }
}
