/**
 * routes.test.yaml: route test cases in the spirit of Envoy's route table check tool. Each case
 * is a request and what the router must do with it:
 *
 * ```yaml
 * version: 1
 * cases:
 *   - name: GET is proxied to the origin
 *     env: staging                        # only in this environment (default: production)
 *     request:
 *       url: https://api.example.com/v1/users?page=2
 *       method: GET                       # default GET
 *       headers: { Origin: https://app.example.com }
 *     expect:
 *       route: api                        # a route id, or null for "no route matches"
 *       status: proxied                   # or the router's own status: 204, 301, 403, 404, 405, ...
 *       upstream: https://example.net/v1/users?page=2
 *       location: https://example.com/    # a redirect's Location
 *       error: no_route                   # the code in the router's JSON error
 *       headers:                          # response headers; null means "absent"
 *         access-control-allow-origin: '*'
 *         x-cache: MISS                   # MISS: cacheable (cold cache); BYPASS: not cacheable
 * ```
 *
 * The file is checked like routes.yaml: every problem at once, with its line and column.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { CompiledTable } from '../../src/table/types.ts';
import { type Diagnostic, sortDiagnostics } from '../compiler/diagnostics.ts';
import { DEFAULT_ENVIRONMENT } from '../compiler/environments.ts';
import { describe } from '../compiler/schema.ts';
import { type DataPath, loadSource, type Source } from '../compiler/source.ts';
import type { SimulatedRequest } from './simulate.ts';

export interface RouteTestExpect {
  route?: string | null;
  status?: number | 'proxied';
  upstream?: string;
  location?: string;
  error?: string;
  headers?: Record<string, string | null>;
}

export interface RouteTestCase {
  /** The case's name, or `METHOD URL` when it has none. */
  name: string;
  /** Where the case starts in the file. */
  line: number;
  col: number;
  request: SimulatedRequest & { method: string };
  expect: RouteTestExpect;
  /** The environment the case is for (null: production, or a file without environments). */
  env: string | null;
}

const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

/** The format, as JSON Schema (2020-12). */
export const routeTestSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['cases'],
  properties: {
    version: { const: 1 },
    cases: { type: 'array', items: { $ref: '#/$defs/case' } },
  },
  $defs: {
    case: {
      type: 'object',
      additionalProperties: false,
      required: ['request', 'expect'],
      properties: {
        name: { type: 'string', minLength: 1 },
        env: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,30}$' },
        request: {
          type: 'object',
          additionalProperties: false,
          required: ['url'],
          properties: {
            url: { type: 'string' },
            method: { type: 'string', pattern: '^[A-Za-z]+$' },
            headers: {
              type: 'object',
              propertyNames: { pattern: HEADER_NAME },
              additionalProperties: { type: ['string', 'number'] },
            },
          },
        },
        expect: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            route: { type: ['string', 'null'] },
            status: { anyOf: [{ const: 'proxied' }, { type: 'integer', minimum: 100, maximum: 599 }] },
            upstream: { type: 'string' },
            location: { type: 'string' },
            error: { type: 'string' },
            headers: {
              type: 'object',
              propertyNames: { pattern: HEADER_NAME },
              additionalProperties: { type: ['string', 'number', 'null'] },
            },
          },
        },
      },
    },
  },
} as const;

let validate: ReturnType<Ajv2020['compile']> | undefined;

/**
 * Parses and checks a route test file against the table it tests.
 * @example readRouteTests(text, table, ['production', 'staging']).diagnostics // [] for a good file
 */
export function readRouteTests(
  text: string,
  table: CompiledTable,
  environments: string[] = [],
): { cases: RouteTestCase[]; diagnostics: Diagnostic[] } {
  const source = loadSource(text);
  const diagnostics = [...source.syntaxErrors];
  if (source.fatal) return { cases: [], diagnostics: sortDiagnostics(diagnostics) };
  validate ??= new Ajv2020({ allErrors: true, allowUnionTypes: true, strict: false, verbose: true }).compile(
    routeTestSchema,
  );
  // Cases that broke the schema are reported as such; the others still get the checks below.
  const broken = new Set<number>();
  if (!validate(source.data)) {
    const errors = (validate.errors ?? []).filter(useful);
    diagnostics.push(...errors.map((e) => schemaDiagnostic(source, e)));
    for (const e of errors) {
      const match = /^\/cases\/(\d+)/.exec(e.instancePath);
      if (!match) return { cases: [], diagnostics: sortDiagnostics(diagnostics) };
      broken.add(Number(match[1]));
    }
  }

  const ids = new Set(table.routes.map((r) => r.id));
  const data = source.data as {
    cases: Array<{ name?: string; env?: string; request: Record<string, unknown>; expect: RouteTestExpect }>;
  };
  const cases: RouteTestCase[] = [];
  for (const [i, raw] of data.cases.entries()) {
    if (broken.has(i)) continue;
    const at = (path: DataPath, message: string) =>
      diagnostics.push(source.at(['cases', i, ...path], `${describe(['cases', i, ...path])}: ${message}`));
    const url = String(raw.request.url);
    let ok = true;
    if (!/^https?:\/\/[^/]/i.test(url) || !parses(url)) {
      at(['request', 'url'], `"${url}" must be an absolute http(s) URL, e.g. https://api.example.com/path`);
      ok = false;
    }
    const expect = { ...raw.expect };
    if (raw.env !== undefined && !environments.includes(raw.env)) {
      const declared =
        environments.length > 0 ? `declared: ${environments.join(', ')}` : 'routes.yaml declares none';
      at(['env'], `"${raw.env}" is not an environment (${declared})`);
      ok = false;
    }
    if (typeof expect.route === 'string' && !ids.has(expect.route)) {
      at(
        ['expect', 'route'],
        `"${expect.route}" is not a route id in the table${suggestion(expect.route, ids)}`,
      );
      ok = false;
    }
    for (const key of ['upstream', 'location'] as const) {
      const value = expect[key];
      if (value !== undefined && !parses(value)) {
        at(['expect', key], `"${value}" must be an absolute URL`);
        ok = false;
      }
    }
    if (expect.upstream !== undefined && expect.status !== undefined && expect.status !== 'proxied') {
      at(
        ['expect', 'status'],
        `${expect.status} contradicts expect.upstream: a proxied request has status "proxied"`,
      );
      ok = false;
    }
    if (!ok) continue;
    const method = String(raw.request.method ?? 'GET').toUpperCase();
    const headers = Object.entries((raw.request.headers ?? {}) as Record<string, string | number>).map(
      ([k, v]) => [k, String(v)] as [string, string],
    );
    if (expect.headers) {
      expect.headers = Object.fromEntries(
        Object.entries(expect.headers).map(([k, v]) => [k.toLowerCase(), v === null ? null : String(v)]),
      );
    }
    const { line, col } = source.at(['cases', i], '');
    cases.push({
      name: raw.name ?? `${method} ${url}`,
      line,
      col,
      request: { url, method, headers },
      expect,
      env: raw.env ?? null,
    });
  }
  return { cases, diagnostics: sortDiagnostics(diagnostics) };
}

function parses(url: string): boolean {
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}

function suggestion(name: string, ids: Set<string>): string {
  const close = [...ids].filter((id) => id.startsWith(name.slice(0, 3)) || name.startsWith(id.slice(0, 3)));
  return close.length > 0 && close.length <= 3
    ? ` (did you mean ${close.map((c) => `"${c}"`).join(' or ')}?)`
    : '';
}

/** Drops ajv's wrapper errors (anyOf's branches are summarised by the anyOf itself). */
function useful(error: ErrorObject): boolean {
  if (error.keyword === 'if' || error.keyword === 'propertyNames') return false;
  return !/\/anyOf\/\d+\//.test(error.schemaPath);
}

function schemaDiagnostic(source: Source, error: ErrorObject): Diagnostic {
  const path: DataPath = error.instancePath
    ? error.instancePath
        .slice(1)
        .split('/')
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((p) => (/^\d+$/.test(p) ? Number(p) : p))
    : [];
  const where = describe(path);
  const p = error.params as Record<string, unknown>;
  if (error.propertyName !== undefined) {
    return source.at(
      [...path, error.propertyName],
      `${where}: "${error.propertyName}" is not a header name`,
      {
        at: 'key',
      },
    );
  }
  switch (error.keyword) {
    case 'additionalProperties':
      return source.at(
        [...path, String(p.additionalProperty)],
        `${where}: unknown key "${p.additionalProperty}"`,
        {
          at: 'key',
        },
      );
    case 'required':
      return source.at(path, `${where}: missing required key "${p.missingProperty}"`, { at: 'key' });
    case 'minProperties':
      return source.at(
        path,
        `${where}: expect at least one of route, status, upstream, location, error, headers`,
        {
          at: 'key',
        },
      );
    case 'anyOf':
      return source.at(path, `${where}: must be "proxied" or an HTTP status (100-599)`);
    case 'const':
      return source.at(path, `${where}: must be ${JSON.stringify(p.allowedValue)}`);
    case 'type':
      return source.at(path, `${where}: must be ${String(p.type).replace(',', ' or ')}`);
    case 'pattern':
      return source.at(path, `${where}: ${JSON.stringify(error.data ?? '')} is not valid here`);
    default:
      return source.at(path, `${where}: ${error.message ?? 'invalid value'}`);
  }
}

/**
 * The cases that run in one environment (null or undefined: production); a case without `env`
 * belongs to production.
 * @example casesFor(cases, 'staging').every((c) => c.env === 'staging') // true
 */
export function casesFor(cases: RouteTestCase[], env: string | null | undefined): RouteTestCase[] {
  const wanted = env ?? DEFAULT_ENVIRONMENT;
  return cases.filter((c) => (c.env ?? DEFAULT_ENVIRONMENT) === wanted);
}
