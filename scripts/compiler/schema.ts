/**
 * JSON Schema validation of routes.yaml with ajv, turned into positioned diagnostics with
 * messages a person can act on (ajv's own say "must NOT have additional properties").
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { Diagnostic } from './diagnostics.ts';
import type { DataPath, Source } from './source.ts';

const schemaUrl = new URL('../../schema/routes.schema.json', import.meta.url);
export const routesSchema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as Record<string, unknown>;

let validate: ReturnType<Ajv2020['compile']> | undefined;

/**
 * Validates data against schema/routes.schema.json and returns every error with its position.
 * @example validateSchema(loadSource(text)) // [] when the file fits the schema
 */
export function validateSchema(source: Source): SchemaError[] {
  validate ??= new Ajv2020({ allErrors: true, allowUnionTypes: true, strict: false, verbose: true }).compile(
    routesSchema,
  );
  if (validate(source.data)) return [];
  return collapse(validate.errors ?? []).map((error) => {
    const path = toPath(error.instancePath);
    const key =
      error.keyword === 'additionalProperties'
        ? String(error.params.additionalProperty)
        : (error.propertyName ?? undefined);
    return { path, key, diagnostic: diagnose(source, path, error) };
  });
}

/** A schema error: where in the data, and the positioned diagnostic. */
export interface SchemaError {
  path: DataPath;
  /** The key at fault under `path`: an unknown key, or a key whose name breaks the schema. */
  key?: string;
  diagnostic: Diagnostic;
}

function unknownKey(name: string, known: string[]): string {
  return oddKey(name) ?? `unknown key "${name}"${suggest(name, known)}`;
}

/** What is wrong with a key YAML allows but routes.yaml has no use for, or null. */
function oddKey(name: string): string | null {
  if (name === '<<')
    return 'merge keys (<<) are not supported: write the keys out (defaults: holds what routes share)';
  if (name === '') return 'a key is empty or null';
  if (/^[[{]/.test(name)) return `a key is a list or mapping (${name}): keys are names`;
  return null;
}

function diagnose(source: Source, path: DataPath, error: ErrorObject): Diagnostic {
  if (error.keyword === 'additionalProperties') {
    const name = String(error.params.additionalProperty);
    const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
    return source.at([...path, name], `${describe(path)}: ${unknownKey(name, known)}`, { at: 'key' });
  }
  if (error.propertyName !== undefined) {
    const odd = oddKey(error.propertyName);
    const text = odd ?? `key ${message(error)}`;
    return source.at([...path, error.propertyName], `${describe(path)}: ${text}`, {
      at: 'key',
    });
  }
  if (error.keyword === 'uniqueItems') {
    const [first, again] = [Number(error.params.i), Number(error.params.j)].sort((a, b) => a - b) as [
      number,
      number,
    ];
    return source.at(
      [...path, again],
      `${describe(path)}: items ${first} and ${again} are the same; list each value once`,
    );
  }
  if (error.keyword === 'required') {
    return source.at(path, `${describe(path)}: missing required key "${error.params.missingProperty}"`, {
      at: 'key',
    });
  }
  return source.at(path, `${describe(path)}: ${message(error)}`);
}

/**
 * Drops ajv's bookkeeping errors (if/anyOf wrappers) and collapses anyOf branches into one. When
 * the value's type rules out all branches but one, that branch's own errors are kept instead
 * (a duplicated origin in a failover list is reported as such, not as "must be an origin").
 */
function collapse(errors: ErrorObject[]): ErrorObject[] {
  const typeMisses = new Map<string, number>();
  for (const e of errors)
    if (e.keyword === 'type') typeMisses.set(e.instancePath, (typeMisses.get(e.instancePath) ?? 0) + 1);
  const opened = new Set<string>();
  const closed = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf') continue;
    const open = (e.schema as unknown[]).length - (typeMisses.get(e.instancePath) ?? 0) === 1;
    (open ? opened : closed).add(e.instancePath);
  }
  /** True when `path` is at or under a closed anyOf (checked prefix by prefix, not pairwise). */
  const underClosed = (path: string) => {
    if (closed.size === 0) return false;
    for (let end = path.length; end > 0; end = path.lastIndexOf('/', end - 1)) {
      if (closed.has(path.slice(0, end))) return true;
    }
    return false;
  };
  const out: ErrorObject[] = [];
  for (const error of errors) {
    if (error.keyword === 'if' || error.keyword === 'propertyNames') continue;
    if ((error.keyword === 'anyOf' || error.keyword === 'type') && opened.has(error.instancePath)) continue;
    if (error.keyword !== 'anyOf' && underClosed(error.instancePath)) continue;
    out.push(error);
  }
  return out;
}

function message(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `must be ${String(p.type).replace(',', ' or ')}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'anyOf':
      return `must be ${String(
        (error.parentSchema as { description?: string }).description ?? 'a valid value',
      )
        .replace(/\.$/, '')
        .replace(/^./, (c) => c.toLowerCase())}`;
    case 'pattern': {
      const what = (error.parentSchema as { description?: string }).description;
      return `${JSON.stringify(error.data)} does not match ${String(p.pattern)}${what ? ` (${what.replace(/\.$/, '')})` : ''}`;
    }
    case 'minItems':
      return `must list at least ${p.limit} item${p.limit === 1 ? '' : 's'}`;
    default:
      return error.message ?? 'invalid value';
  }
}

function toPath(pointer: string): DataPath {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Renders a data path as `routes[2].cors.origins`. */
export function describe(path: DataPath): string {
  if (path.length === 0) return 'top level';
  return path
    .map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`))
    .join('');
}

function suggest(name: string, known: string[]): string {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0] as number;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j] as number;
        row[j] = Math.min(
          (row[j] as number) + 1,
          (row[j - 1] as number) + 1,
          prev + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
        prev = current;
      }
    }
    return row[b.length] as number;
  };
  const best = known.map((k) => ({ k, d: distance(name, k) })).sort((a, b) => a.d - b.d)[0];
  return best && best.d <= 2 ? ` (did you mean "${best.k}"?)` : '';
}
