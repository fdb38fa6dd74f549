/**
 * Splits a documented command line into words the way a POSIX shell would for the simple
 * commands the docs show: 'single' and "double" quotes, backslash escapes. Anything that needs
 * a real shell (pipes, redirects, `;`, `&&`, variables, comments) is refused, so a block that
 * relies on one has to be marked as not run.
 */

const SHELL_SYNTAX = new Set(['|', '&', ';', '<', '>', '$', '`', '#', '(', ')', '*', '?']);

/**
 * @example shellWords("npm run explain -- 'https://a.example/x?y=1' -H 'Origin: b'") // ['npm', 'run', 'explain', '--', 'https://a.example/x?y=1', '-H', 'Origin: b']
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quote) {
      if (char === quote) quote = null;
      else if (char === '\\' && quote === '"' && /["\\$`]/.test(line[i + 1] ?? ''))
        word += line[++i] as string;
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      word ??= '';
    } else if (char === '\\') {
      word = (word ?? '') + (line[++i] ?? '');
    } else if (/\s/.test(char)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (SHELL_SYNTAX.has(char)) {
      throw new Error(`"${char}" needs a real shell`);
    } else {
      word = (word ?? '') + char;
    }
  }
  if (quote) throw new Error(`unterminated ${quote}`);
  if (word !== null) words.push(word);
  return words;
}
