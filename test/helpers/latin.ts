/**
 * Latin-script words in a text shown on a zh-CN page, ids, codes and numbers aside: a token with a
 * digit or a dash is an id or a code (cam-2, E602, P1, ZS-0471, op-hecheng) and may stay; a word of
 * letters only (contact, open, escalated, hub) is English that leaked past the catalogues.
 */
export function latinWords(text: string): string[] {
  return (text.match(/[A-Za-z][A-Za-z0-9_.:/-]*/g) ?? []).filter((tok) => !/[0-9-]/.test(tok));
}

/**
 * Latin words in an installer-facing line outside what it quotes from the files: "values",
 * `keys`, and file or key paths (devices/shop-a.yaml, site.mqtt), which are the installer's own
 * words and stay as written in every language.
 */
export function latinWordsOutsideQuotes(text: string): string[] {
  const prose = text.replace(/"[^"]*"/g, ' ').replace(/`[^`]*`/g, ' ');
  return latinWords(prose).filter((w) => !/[/.[\]]/.test(w));
}
