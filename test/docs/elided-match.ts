/**
 * Compares printed lines with documented ones. A documented line that is exactly `...` stands
 * for any number of printed lines (none included); every other line must match exactly.
 */

export const ELISION = '...';

/**
 * @example elidedMatch(['a', '...', 'z'], ['a', 'b', 'c', 'z']) // true
 */
export function elidedMatch(expected: string[], actual: string[]): boolean {
  // reachable[j]: the expected lines so far can match the first j printed lines.
  let reachable = new Array<boolean>(actual.length + 1).fill(false);
  reachable[0] = true;
  for (const line of expected) {
    const next = new Array<boolean>(actual.length + 1).fill(false);
    for (let j = 0; j <= actual.length; j++) {
      if (!reachable[j]) continue;
      if (line === ELISION) next.fill(true, j);
      else if (actual[j] === line) next[j + 1] = true;
    }
    reachable = next;
  }
  return reachable[actual.length] === true;
}
