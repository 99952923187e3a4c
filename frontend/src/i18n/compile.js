/**
 * The message format of the shop's texts, compiled in the browser by this small function instead of
 * vue-i18n's own compiler (which would weigh more than all the texts): `{name}` inserts a value, and
 * " | " separates plural forms, picked by vue-i18n's plural rules (`t(key, values, count)`).
 * Nothing else is special: "@", "$" and "%" are plain characters.
 */
const PLACEHOLDER = /\{\s*([A-Za-z_]\w*)\s*\}/g

function parse(text) {
  const tokens = []
  let last = 0
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) tokens.push(text.slice(last, match.index))
    tokens.push({ name: match[1] })
    last = match.index + match[0].length
  }
  if (last < text.length) tokens.push(text.slice(last))
  return tokens
}

export function compileMessage(message) {
  const forms = String(message).split(/ \| /).map(parse)
  return (ctx) => {
    const tokens = forms.length > 1 ? ctx.plural(forms) : forms[0]
    let out = ''
    for (const token of tokens) out += typeof token === 'string' ? token : String(ctx.named(token.name) ?? '')
    return out
  }
}
