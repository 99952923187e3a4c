// What a test may read of the run's own shop beside its pages: the staff login `dev/stack.py` made and the
// email its SMTP sink kept (one .eml file each under <var>/mail/). Only for a stack this run started
// (global-setup.js); a shop of another test (SHOP_PW_BASE_URL) keeps its files to itself.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { expect } from '@playwright/test'

function varDir() {
  const state = JSON.parse(process.env.SHOP_PW_STACK ?? 'null')
  return state?.env.SHOP_STACK_VAR ?? null
}

/** Whether this run's shop is its own (so its staff login and its mail can be read). */
export const ownShop = () => Boolean(varDir())

/** `{username, password}` of the stack's staff account (var/staff-login.txt). */
export function staffLogin() {
  const text = readFileSync(join(varDir(), 'staff-login.txt'), 'utf8')
  const field = (name) => text.match(new RegExp(`^${name}: (.+)$`, 'm'))[1].trim()
  return { username: field('username'), password: field('password') }
}

/** The messages sent to `to` so far, oldest first: `{subject, text}` (headers and the raw message). */
function messagesTo(to) {
  const folder = join(varDir(), 'mail')
  let names
  try {
    names = readdirSync(folder).filter((name) => name.endsWith('.eml')).sort()
  } catch {
    return []
  }
  return names
    .map((name) => readFileSync(join(folder, name), 'utf8'))
    .filter((raw) => new RegExp(`^To: .*${to.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'mi').test(raw))
    .map((raw) => ({ subject: decodeSubject(raw.match(/^Subject: (.*(?:\r?\n[ \t].*)*)/m)?.[1] ?? ''), raw }))
}

/** A Subject header as read: RFC 2047 encoded words (=?utf-8?q?...?= or ?b?) decoded, folds joined. */
function decodeSubject(header) {
  return header
    .replace(/\r?\n[ \t]/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([bqBQ])\?([^?]*)\?=/g, (_, charset, encoding, data) => {
      const bytes = encoding.toLowerCase() === 'b'
        ? Buffer.from(data, 'base64')
        : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (__, hex) => String.fromCharCode(parseInt(hex, 16))), 'latin1')
      return new TextDecoder(charset).decode(bytes)
    })
}

/** The plain-text part of a raw message, decoded (quoted-printable or base64, as Python's EmailMessage
 * writes it): what the customer reads. */
function plainText(raw) {
  // split at the message's own boundary: a quoted-printable line may start with dashes too (a wrapped token)
  const boundary = raw.match(/boundary="?([^";\r\n]+)"?/i)?.[1]
  const parts = boundary ? raw.split(`--${boundary}`) : [raw]
  const part = parts.find((chunk) => /^\s*Content-Type: text\/plain/mi.test(chunk)) ?? raw
  const split = part.search(/\r?\n\r?\n/)
  const headers = part.slice(0, split)
  const body = part.slice(split).trim()
  const encoding = headers.match(/^Content-Transfer-Encoding: *(\S+)/mi)?.[1].toLowerCase()
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)))
    return Buffer.from(bytes, 'latin1').toString('utf8')
  }
  return body
}

/** Wait until a message to `to` whose subject matches `subject` has arrived (the mailer sends in the
 * background); `{subject, text}` (text: its plain-text body). */
export async function waitForMessage(to, subject, timeout = 30_000) {
  let found = null
  await expect.poll(() => {
    found = messagesTo(to).find((message) => subject.test(message.subject)) ?? null
    return Boolean(found)
  }, { timeout, message: `an email to ${to} with a subject like ${subject}` }).toBe(true)
  return { subject: found.subject, text: plainText(found.raw) }
}

/** Like waitForMessage; the subject alone. */
export async function waitForMail(to, subject, timeout = 30_000) {
  return (await waitForMessage(to, subject, timeout)).subject
}
