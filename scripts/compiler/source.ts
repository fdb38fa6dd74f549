/**
 * Loads routes.yaml as a YAML document that remembers where every key and value came from, so
 * any path into the data (from ajv or from a semantic check) maps back to a line and column.
 */
import {
  type Alias,
  Document,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import type { Diagnostic, Severity } from './diagnostics.ts';

export type DataPath = Array<string | number>;

export interface Source {
  /** The parsed data, or undefined when the YAML could not be read at all. */
  data: unknown;
  /** YAML syntax errors (duplicate keys, tabs, bad indentation, ...). */
  syntaxErrors: Diagnostic[];
  /** True when syntax errors make the data unreliable for further checks. */
  fatal: boolean;
  /** True when every step of `path` exists in the document. */
  has(path: DataPath): boolean;
  /** Builds a diagnostic at the node for `path` (or its key, with `at: 'key'`). */
  at(path: DataPath, message: string, options?: { severity?: Severity; at?: 'key' | 'value' }): Diagnostic;
}

/**
 * The text as routes.yaml is read: without a byte-order mark (it would put every column of line
 * 1 one to the right) and with old Mac line ends (a lone CR) as LF, which the YAML parser does
 * not count as line breaks. The CLI reads files through it too, so code frames match positions.
 * @example normalizeText('\uFEFFversion: 1\r') // 'version: 1\n'
 */
export function normalizeText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r(?!\n)/g, '\n');
}

/**
 * Parses YAML text with positions.
 * @example loadSource('version: 1\nroutes: []\n').data // { version: 1, routes: [] }
 */
export function loadSource(written: string): Source {
  const text = normalizeText(written);
  // logLevel 'error': a complex key (`? [a, b]: x`) is reported as an unknown key, not as a stray warning.
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  // Lines are counted from the text itself: yaml's LineCounter misses newlines inside tokens it
  // could not parse, which put positions past the end of their line.
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const position = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, col: offset - (lineStarts[low] as number) + 1 };
  };
  const syntaxErrors: Diagnostic[] = doc.errors.map((error) => ({
    severity: 'error',
    message: yamlMessage(error.code, error.message),
    ...position(skipIndent(text, error.pos[0])),
  }));
  let fatal = doc.errors.some((error) => error.code !== 'DUPLICATE_KEY');
  const unread = notUtf8(text);
  if (unread) {
    syntaxErrors.push({ severity: 'error', message: unread.message, ...position(unread.offset) });
    fatal = true;
  }
  if (!fatal) {
    for (const offset of sameKeysSpelledApart(doc))
      syntaxErrors.push({
        severity: 'error',
        message: yamlMessage('DUPLICATE_KEY', ''),
        ...position(offset),
      });
  }
  let data: unknown;
  try {
    data = fatal ? undefined : doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (error) {
    const { message, offset } = toJsProblem(doc, (error as Error).message);
    syntaxErrors.push({ severity: 'error', message, ...position(offset) });
    fatal = true;
  }

  /** Finds the deepest node along `path`, with the pair's key when the last step is a map key. */
  const find = (path: DataPath): { node: Node | null; key: Node | null; depth: number } => {
    let node: unknown = doc.contents;
    let key: Node | null = null;
    let depth = 0;
    for (const step of path) {
      if (isMap(node)) {
        // The last of duplicate keys: its value is the one the data holds.
        const pair = node.items.findLast((item) => isPair(item) && keyMatches(item.key, step));
        if (!pair) break;
        key = pair.key as Node;
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof step === 'number' && node.items[step]) {
        key = null;
        node = node.items[step];
      } else {
        break;
      }
      depth++;
    }
    return { node: (node as Node | null) ?? null, key, depth };
  };

  return {
    data,
    syntaxErrors,
    fatal,
    has: (path) => find(path).depth === path.length,
    at(path, message, options = {}) {
      const { node, key } = find(path);
      const target = options.at === 'key' && key ? key : node;
      const offset = target?.range?.[0] ?? 0;
      return { severity: options.severity ?? 'error', message, ...position(offset) };
    },
  };
}

/**
 * Keys that repeat an earlier key of their mapping in a spelling the YAML library's own check
 * compares as different, while the data has one key: an alias (`*k: 2s` beside the `timeout:` it
 * names), or a number, boolean or null beside its quoted text (`1:` and `"1":`). The later value
 * would silently replace the earlier. Returns the offsets of the later keys.
 */
function sameKeysSpelledApart(doc: Document.Parsed): number[] {
  const offsets: number[] = [];
  const resolve = anchorResolver(doc);
  visit(doc, {
    Map(_key, map) {
      const seen = new Map<string, unknown>();
      for (const pair of map.items) {
        const key = isAlias(pair.key) ? resolve(pair.key) : pair.key;
        // A YAML 1.1 merge key (`<<`) may repeat: each merges its map.
        if (!isScalar(key) || typeof key.value === 'symbol') continue;
        const text = String(key.value ?? '');
        // A repeat the library saw itself (same value, written out) is reported already.
        if (seen.has(text) && (isAlias(pair.key) || seen.get(text) !== key.value))
          offsets.push((pair.key as Node).range?.[0] ?? 0);
        if (!seen.has(text)) seen.set(text, isAlias(pair.key) ? Symbol() : key.value);
      }
    },
  });
  return offsets;
}

/**
 * Resolves an alias to its anchored node, the last one of that name before it, from one index
 * of the document's anchors (the library's own `resolve` walks the whole document per alias).
 */
function anchorResolver(doc: Document.Parsed): (alias: Alias) => Node | undefined {
  let anchors: Map<string, Array<{ at: number; node: Node }>> | undefined;
  return (alias) => {
    if (anchors === undefined) {
      const index = new Map<string, Array<{ at: number; node: Node }>>();
      visit(doc, (_key, node) => {
        if (!isNode(node) || !node.anchor) return;
        const defined = index.get(node.anchor) ?? [];
        defined.push({ at: node.range?.[0] ?? 0, node });
        index.set(node.anchor, defined);
      });
      anchors = index;
    }
    const at = alias.range?.[0] ?? 0;
    return anchors.get(alias.source)?.findLast((anchor) => anchor.at < at)?.node;
  };
}

/**
 * How many values aliases may expand to in all (the YAML library's count: uses of an anchor times
 * the aliases inside it). An anchor used once per route passes at any table size; an alias bomb
 * (aliases of aliases, each level ten times the last) stops before it costs anything.
 */
const MAX_ALIAS_EXPANSION = 100_000;

/**
 * What made the data unreadable, and where: an alias without its anchor, an alias bomb, or a
 * YAML 1.1 merge key (`<<`) whose value is not a mapping.
 */
function toJsProblem(
  doc: ReturnType<typeof parseDocument>,
  thrown: string,
): { message: string; offset: number } {
  const unresolved = /^Unresolved alias.*: (.*)$/.exec(thrown)?.[1];
  if (unresolved !== undefined)
    return {
      message: `YAML: alias *${unresolved} has no anchor &${unresolved} before it`,
      offset: aliasOffset(doc, unresolved),
    };
  if (/^Excessive alias count/.test(thrown)) {
    const message = `YAML: aliases expand to more than ${MAX_ALIAS_EXPANSION} values: write the values out`;
    return { message, offset: aliasOffset(doc, undefined) };
  }
  return { message: `YAML: ${thrown}`, offset: mergeKeyOffset(doc) };
}

/** Where the first merge key (`<<`, read as one in YAML 1.1) is, else the start. */
function mergeKeyOffset(doc: ReturnType<typeof parseDocument>): number {
  let offset = 0;
  visit(doc, {
    Pair(_key, pair) {
      if (!isScalar(pair.key) || typeof pair.key.value !== 'symbol') return;
      offset = pair.key.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/** Where the alias named `name` is (the last alias, for an alias bomb, when `name` is not given). */
function aliasOffset(doc: ReturnType<typeof parseDocument>, name: string | undefined): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      if (name !== undefined && node.source !== name) return;
      offset = node.range?.[0] ?? 0;
      if (name !== undefined) return visit.BREAK;
    },
  });
  return offset;
}

/**
 * Keys compare as text, as in the data, so `1:` and `true:` keys are found too; a null key (`~:`)
 * is '' in the data, and a complex key (`? [a, b]`) is its flow text, `[ a, b ]`.
 */
function keyMatches(key: unknown, step: string | number): boolean {
  if (isScalar(key)) return String(key.value ?? '') === String(step);
  return isCollection(key) && flowText(key) === String(step);
}

/**
 * A file saved as UTF-16 holds NUL bytes, and every character of it would be misread ("top
 * level: must be object" at best): say what it is instead.
 */
function notUtf8(text: string): { message: string; offset: number } | null {
  const nul = text.indexOf('\0');
  if (nul === -1) return null;
  return { message: 'the file holds NUL bytes: save it as UTF-8 (it looks like UTF-16)', offset: nul };
}

/**
 * A collection written in flow style, as the YAML library names a complex key in the data; ''
 * for a key the library cannot write on its own (one holding an alias, whose anchor the copy
 * lacks): such a key names nothing a rule looks for, and it must not stop the check.
 */
function flowText(key: Node): string {
  const copy = key.clone() as Node;
  // visit reaches the key itself too.
  visit(copy, {
    Collection(_, node) {
      node.flow = true;
    },
  });
  try {
    return new Document(copy).toString().trimEnd();
  } catch {
    return '';
  }
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  if (code === 'DUPLICATE_KEY') return 'duplicate key: each key may appear once in a mapping';
  if (code === 'TAB_AS_INDENT') return 'tab used for indentation: YAML indents with spaces';
  return `YAML: ${first.replace(/ at line \d+, column \d+:?$/, '')}`;
}

/** Moves an offset that falls in a line's leading spaces to the first character after them. */
function skipIndent(text: string, offset: number): number {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  if (!/^ *$/.test(text.slice(lineStart, offset))) return offset;
  let end = offset;
  while (text[end] === ' ') end++;
  return end < text.length && text[end] !== '\n' && text[end] !== '\r' ? end : offset;
}
