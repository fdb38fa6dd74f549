/**
 * Reading `wrangler tail --format json`: wrangler prints each tail event as one pretty-printed
 * JSON object (`JSON.stringify(event, null, 4)`, so one object spans many lines), one after the
 * other. An event is the Workers trace item: `{outcome, scriptName, scriptVersion, exceptions,
 * logs: [{message: [...], level, timestamp}], eventTimestamp, event: {request, response}, ...}`.
 * The router's own log line is a `console.log` of one JSON string per request, so it arrives as
 * a log whose message is that string.
 */
import { parseJson } from '../cli/parse-json.ts';

/** The router's log record (src/pipeline/log.ts), as read back from a log line. */
export interface RouterRecord {
  request_id: string;
  route: string | null;
  host: string;
  status: number;
  [field: string]: unknown;
}

/** One router log line: the text as the Worker logged it, and its parsed record. */
export interface RouterLine {
  text: string;
  record: RouterRecord;
}

/**
 * Splits a stream of text into the JSON values written one after another, whatever the line
 * breaks. Text between values that is not JSON (a warning line) is skipped: a value starts only
 * at a `{` with nothing but blanks before it on its line, and a `{` at the very start of a line
 * inside a value starts a new one (wrangler prints each event from the start of a line, its
 * nested objects indented), so a stray `{` in other text cannot swallow the events after it.
 * @example for await (const event of jsonValues(child.stdout)) ...
 */
export async function* jsonValues(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<unknown> {
  let buffer = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  // Only blanks so far on this line, and whether the last character was a line break.
  let blankLine = true;
  let lineStart = true;
  for await (const chunk of chunks) {
    const from = buffer.length;
    buffer += String(chunk);
    for (let i = from; i < buffer.length; i++) {
      const c = buffer[i] as string;
      const atLineStart = lineStart;
      lineStart = c === '\n';
      if (inString && c === '\n') {
        // JSON strings hold no raw line break: this was not a value.
        inString = false;
        depth = 0;
      } else if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
      } else if (c === '"' && depth > 0) inString = true;
      else if (c === '{' && (depth === 0 ? blankLine : atLineStart)) {
        depth = 1;
        start = i;
      } else if (c === '{' && depth > 0) depth++;
      else if (c === '}' && depth > 0 && --depth === 0) {
        const value = parseJson(buffer.slice(start, i + 1));
        if (value !== undefined) yield value;
        buffer = buffer.slice(i + 1);
        i = -1;
      }
      blankLine = c === '\n' || (blankLine && (c === ' ' || c === '\t' || c === '\r'));
    }
    if (depth === 0) buffer = '';
  }
}

/**
 * The router's log lines in one tail event (none for other events and other logs).
 * @example routerLines(event)[0]?.record.request_id
 */
export function routerLines(event: unknown): RouterLine[] {
  const logs = (event as { logs?: unknown } | null)?.logs;
  if (!Array.isArray(logs)) return [];
  const lines: RouterLine[] = [];
  for (const log of logs) {
    const message = (log as { message?: unknown } | null)?.message;
    if (!Array.isArray(message) || message.length !== 1 || typeof message[0] !== 'string') continue;
    const record = parseRouterLine(message[0]);
    if (record) lines.push({ text: message[0], record });
  }
  return lines;
}

/**
 * The router's record when `text` is one of its log lines, else undefined.
 * @example parseRouterLine('{"request_id":"r1","route":"api","host":"a.test","status":200}')?.route // 'api'
 */
export function parseRouterLine(text: string): RouterRecord | undefined {
  if (!text.startsWith('{')) return undefined;
  const value = parseJson(text);
  return isRouterRecord(value) ? value : undefined;
}

function isRouterRecord(value: unknown): value is RouterRecord {
  const record = value as Partial<RouterRecord> | null;
  return (
    typeof record === 'object' &&
    record !== null &&
    typeof record.request_id === 'string' &&
    'route' in record &&
    typeof record.status === 'number'
  );
}
