import { rmSync } from 'node:fs'

import { releaseServers, stack } from './stack.js'

/** Stop the run's shop (nothing left running or listening), drop its databases and Redis data, and
 * delete its folder. */
export default async function globalTeardown() {
  const state = JSON.parse(process.env.SHOP_PW_STACK ?? 'null')
  if (!state) return
  try {
    stack('down', state.env)
    rmSync(state.env.SHOP_STACK_VAR, { recursive: true, force: true })
  } finally {
    releaseServers(state.prefix, state.postgresUrl, state.redisUrl)
  }
}
