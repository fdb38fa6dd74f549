/**
 * Seeded fuzzing of the checker: valid tables are mutated (keys deleted, wrong types, random
 * strings and numbers, nulls, nested garbage, duplicated entries) and re-serialised, and raw text
 * gets random bytes inserted and deleted. Whatever comes in, `analyze` must not throw: it either
 * compiles cleanly or reports at least one error, and every diagnostic has a real position.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { analyze } from '../../scripts/compiler/analyze.ts';
import { renderTableModule } from '../../scripts/compiler/emit.ts';

const SEED = 20260702;
const STRUCTURAL_CASES = 420;
const TEXT_CASES = 150;

/** mulberry32: a small deterministic PRNG, so a failure always reproduces. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  return { next, int, pick };
}
type Random = ReturnType<typeof prng>;

const validDir = join(import.meta.dirname, 'fixtures', 'valid');
const seeds = readdirSync(validDir)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => ({ name, text: readFileSync(join(validDir, name), 'utf8') }));

const STRINGS = [
  '',
  ' ',
  '*',
  '*.',
  '/',
  '//',
  '/../x',
  'GET',
  'get',
  'null',
  'true',
  '10s',
  '-5s',
  '0ms',
  '99999h',
  '1e9mb',
  'https://',
  'https://api.example.com',
  'http://u:p@x',
  'ftp://x',
  'https://*.example.com',
  'api.example.com',
  '*.example.com',
  'a.*.b',
  `\${env.}`,
  `\${env.X`,
  `\${env.API_KEY}`,
  '10.0.0.0/8',
  '::/0',
  '1.2.3.4/99',
  'header:',
  'header:X-Key',
  'ip',
  '%2F',
  '\t',
  'ünïcødé.example',
  '\u0000',
  '\ud83d\ude00',
  'a'.repeat(300),
  '- item',
  'key: value',
  '[unclosed',
  '{"json": 1}',
  '&anchor',
  '!!binary',
];
const NUMBERS = [
  0,
  -1,
  1,
  10,
  60,
  86400,
  86401,
  2 ** 31,
  -(2 ** 53),
  0.5,
  1e21,
  Number.NaN,
  Number.POSITIVE_INFINITY,
];
const KEYS = [
  'id',
  'hosts',
  'path',
  'origin',
  'redirect',
  'cors',
  'cache',
  'headers',
  'timeout',
  'methods',
  'x',
  'routes',
];

function randomScalar(rnd: Random): unknown {
  switch (rnd.int(5)) {
    case 0:
      return rnd.pick(STRINGS);
    case 1:
      return rnd.pick(NUMBERS);
    case 2:
      return rnd.next() < 0.5;
    case 3:
      return null;
    default:
      return Array.from({ length: rnd.int(12) }, () => String.fromCharCode(32 + rnd.int(95))).join('');
  }
}

/** Nested objects and lists of random depth. */
function garbage(rnd: Random, depth = 0): unknown {
  if (depth > 3 || rnd.next() < 0.35) return randomScalar(rnd);
  if (rnd.next() < 0.5) return Array.from({ length: rnd.int(4) }, () => garbage(rnd, depth + 1));
  return Object.fromEntries(
    Array.from({ length: rnd.int(4) }, () => [rnd.pick(KEYS), garbage(rnd, depth + 1)]),
  );
}

type Container = Record<string, unknown> | unknown[];
const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

/** Every (container, key) slot in the document, depth first. */
function slots(
  value: unknown,
  out: Array<[Container, string | number]> = [],
): Array<[Container, string | number]> {
  if (!isContainer(value)) return out;
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  for (const key of keys) {
    out.push([value, key]);
    slots((value as Record<string | number, unknown>)[key], out);
  }
  return out;
}

/** Applies one random structural mutation in place; returns a short description for failures. */
function mutate(doc: Record<string, unknown>, rnd: Random): string {
  const all = slots(doc);
  if (all.length === 0) {
    doc[rnd.pick(KEYS)] = garbage(rnd);
    return 'garbage into an empty document';
  }
  const [parent, key] = rnd.pick(all);
  const target = parent as Record<string | number, unknown>;
  const current = target[key];
  const where = `${Array.isArray(parent) ? '[]' : '{}'}.${key}`;
  switch (rnd.int(9)) {
    case 0: {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete target[key];
      return `delete ${where}`;
    }
    case 1: {
      // The wrong type: a list where a scalar was, a scalar where a list or object was.
      target[key] = isContainer(current) ? randomScalar(rnd) : [current];
      return `wrong type at ${where}`;
    }
    case 2:
      target[key] = rnd.pick(STRINGS);
      return `string at ${where}`;
    case 3:
      target[key] = rnd.pick(NUMBERS);
      return `number at ${where}`;
    case 4:
      target[key] = null;
      return `null at ${where}`;
    case 5:
      target[key] = garbage(rnd);
      return `garbage at ${where}`;
    case 6: {
      // Duplicate an entry: a whole route, or any list item (sometimes the same object twice,
      // which the YAML writer turns into an anchor and an alias).
      const list = Array.isArray(parent) ? parent : Array.isArray(doc.routes) ? doc.routes : null;
      if (!list || list.length === 0) return 'no list to duplicate';
      const item = rnd.pick(list);
      list.splice(rnd.int(list.length + 1), 0, rnd.next() < 0.7 ? structuredClone(item) : item);
      return `duplicate an item of ${Array.isArray(parent) ? where : 'routes'}`;
    }
    case 7: {
      if (!isContainer(current) || Array.isArray(current)) {
        target[key] = { [rnd.pick(KEYS)]: garbage(rnd) };
        return `object at ${where}`;
      }
      current[rnd.pick([...KEYS, 'unknown_key', 'Timeout'])] = garbage(rnd);
      return `extra key in ${where}`;
    }
    default: {
      // Swap with another slot's value.
      const [otherParent, otherKey] = rnd.pick(all);
      target[key] = structuredClone((otherParent as Record<string | number, unknown>)[otherKey]);
      return `copy another value into ${where}`;
    }
  }
}

/** The invariants every input must satisfy; `label` makes a failure reproducible by hand. */
function checkInvariants(text: string, label: string): 'compiled' | 'rejected' {
  let analysis: ReturnType<typeof analyze>;
  try {
    analysis = analyze(text);
  } catch (error) {
    throw new Error(`${label}: analyze threw ${(error as Error).stack}\n--- input ---\n${text}`);
  }
  // Lines as YAML counts them: a lone CR breaks a line too (the checker and editors agree).
  const lines = text.replace(/\r(?!\n)/g, '\n').split('\n');
  for (const d of analysis.diagnostics) {
    const ok =
      Number.isInteger(d.line) &&
      Number.isInteger(d.col) &&
      d.line >= 1 &&
      d.col >= 1 &&
      d.line <= lines.length &&
      d.col <= (lines[d.line - 1] as string).length + 1 &&
      typeof d.message === 'string' &&
      d.message.length > 0;
    expect(ok, `${label}: bad diagnostic ${JSON.stringify(d)}\n--- input ---\n${text}`).toBe(true);
  }
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
  if (analysis.table) {
    expect(errors, `${label}: a table came with errors`).toBe(0);
    expect(() =>
      renderTableModule(analysis.table as NonNullable<typeof analysis.table>, 'routes.yaml'),
    ).not.toThrow();
    return 'compiled';
  }
  expect(errors, `${label}: no table but no error either\n--- input ---\n${text}`).toBeGreaterThan(0);
  return 'rejected';
}

describe('fuzzing the checker', () => {
  it(`survives ${STRUCTURAL_CASES} structural mutations of valid tables`, () => {
    const rnd = prng(SEED);
    const outcomes = { compiled: 0, rejected: 0 };
    for (let n = 0; n < STRUCTURAL_CASES; n++) {
      const seed = seeds[n % seeds.length] as (typeof seeds)[number];
      // Read as the checker reads it: one anchor may serve every route.
      const doc = parse(seed.text, { maxAliasCount: -1 }) as Record<string, unknown>;
      const steps = Array.from({ length: 1 + rnd.int(3) }, () => mutate(doc, rnd));
      const text = stringify(doc);
      outcomes[checkInvariants(text, `case ${n} (seed ${SEED}, ${seed.name}: ${steps.join('; ')})`)]++;
    }
    // Both outcomes occur, so the mutations neither always break nor never break the table.
    expect(outcomes.compiled).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(STRUCTURAL_CASES / 2);
  });

  it(`survives ${TEXT_CASES} random byte insertions and deletions`, () => {
    const rnd = prng(SEED + 1);
    const bytes = [
      ' ',
      '\t',
      '\n',
      '\r',
      ':',
      '-',
      '[',
      ']',
      '{',
      '}',
      ',',
      '"',
      "'",
      '#',
      '&',
      '*',
      '!',
      '|',
      '>',
      '%',
      '@',
      '`',
      '?',
      '\\',
      '\u0000',
      'é',
      'a',
      '1',
    ];
    const outcomes = { compiled: 0, rejected: 0 };
    for (let n = 0; n < TEXT_CASES; n++) {
      const seed = seeds[n % seeds.length] as (typeof seeds)[number];
      let text = seed.text;
      const edits: string[] = [];
      for (let e = 1 + rnd.int(4); e > 0; e--) {
        const at = rnd.int(text.length + 1);
        if (rnd.next() < 0.5) {
          const byte = rnd.pick(bytes);
          text = text.slice(0, at) + byte + text.slice(at);
          edits.push(`insert ${JSON.stringify(byte)} at ${at}`);
        } else {
          const length = 1 + rnd.int(8);
          text = text.slice(0, at) + text.slice(at + length);
          edits.push(`delete ${length} at ${at}`);
        }
      }
      outcomes[
        checkInvariants(text, `text case ${n} (seed ${SEED + 1}, ${seed.name}: ${edits.join('; ')})`)
      ]++;
    }
    expect(outcomes.rejected).toBeGreaterThan(0);
  });
});
