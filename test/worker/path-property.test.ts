/**
 * The canonical-path invariant, checked by generation: for paths built from `%`, hex digits,
 * `.`, `/`, `\`, `;`, letters, multi-byte and compatibility characters, either the router answers
 * 400, or
 *
 * - the origin (the real echo origin) receives exactly the route's base + the matched path,
 * - the route that served it is the one `explain` names, with the upstream URL `explain` names,
 * - and an origin reading that path its own way (decoding escapes once or twice, normalising
 *   Unicode, cutting at a decoded `?` or `#`, `\` as `/`, `;` parameters cut, trailing dots and
 *   spaces dropped, dot segments resolved, as Tomcat, Spring, Express, IIS or nginx variously do)
 *   finds it under the same route: no spelling reaches a path that another route protects.
 *
 * Runs 1,000 cases in `npm test`; `npm run fuzz` runs many more and keeps any failing path in
 * fixtures/path-regressions.json, which every run checks first.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../scripts/cli/simulate.ts';
import { compileConfig } from '../../scripts/compiler/compile.ts';
import type { RawRoute } from '../../scripts/compiler/config.ts';
import type { CompiledTable } from '../../src/table/types.ts';
import regressions from './fixtures/path-regressions.json';
import { type Echo, originUrl, routerFor, testEnv } from './harness.ts';

const tagged = (id: string, path: string, extra: Partial<RawRoute> = {}): RawRoute => ({
  id,
  hosts: ['prop.test'],
  path,
  origin: originUrl(),
  headers: { response: { set: { 'X-Route': id } } },
  ...extra,
});

const routes: RawRoute[] = [
  tagged('root', '/'),
  tagged('admin', '/admin', { access: { allow: ['192.0.2.1/32'] } }),
  tagged('admin-panel', '/admin/panel'),
  tagged('api', '/api', { strip_prefix: true, origin: `${originUrl()}/base` }),
  tagged('deep', '/a/b', { origin: `${originUrl()}/v2` }),
  tagged('params', '/pp', { path_parameters: true }),
  tagged('cafe', '/caf%C3%A9'),
  tagged('scope', '/@scope'),
];
const config = { version: 1 as const, routes };
const table: CompiledTable = compileConfig(config);
const router = routerFor(routes);
const simulate = createSimulator(table);
const byId = new Map(table.routes.map((r) => [r.id, r]));

/** Bytes whose escapes matter: `.`, `/`, `\`, NUL, CR, `%`, `;`, `?`, `#`, space, `@`, `a`, and the first byte of `é`. */
const BYTES = [0x2e, 0x2e, 0x2f, 0x5c, 0x00, 0x0d, 0x25, 0x3b, 0x3f, 0x23, 0x20, 0x40, 0x61, 0xc3];
const hex = (n: number) => n.toString(16).padStart(2, '0');
/** Every way to spell a byte's escape: plain, upper-case, split (`%2%65`), doubled (`%%32%65`), double-encoded. */
const SPELLINGS = [
  (b: number) => `%${hex(b)}`,
  (b: number) => `%${hex(b).toUpperCase()}`,
  (b: number) => `%${hex(b)[0]}%${hex((hex(b)[1] as string).charCodeAt(0))}`,
  (b: number) => `%%${hex((hex(b)[0] as string).charCodeAt(0))}%${hex((hex(b)[1] as string).charCodeAt(0))}`,
  (b: number) => `%25${hex(b)}`,
  // The escape rebuilt from escaped hex digits: `%25` + `%32` + `%65` decodes to `%252e`.
  (b: number) => `%25${[...hex(b)].map((digit) => `%${hex(digit.charCodeAt(0))}`).join('')}`,
  // IIS's `%uXXXX`, double-encoded, with the `u` plain or escaped itself.
  (b: number) => `%25u00${hex(b)}`,
  (b: number) => `%25%7500${hex(b)}`,
];
const escaped = fc
  .tuple(fc.constantFrom(...BYTES), fc.constantFrom(...SPELLINGS))
  .map(([b, spell]) => spell(b));
/**
 * The alphabet: `%`, hex digits, `.`, `\`, `;`, letters, multi-byte characters, and compatibility
 * characters that Unicode normalisation turns into ASCII (fullwidth `ａ ． ／ ；`, the two-dot
 * leader `‥`, a combining acute).
 */
const char = fc.constantFrom(...'%0123456789abcdefABCDEF.\\;xé日ıａ．／；‥\u0301');
const word = fc.constantFrom(
  'admin',
  'panel',
  'api',
  'pp',
  'a',
  'b',
  'caf',
  'cafe',
  '.',
  '..',
  'x=1',
  'ａdmin',
  'scope',
  '@scope',
);
const segment = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: escaped },
      { weight: 3, arbitrary: word },
      { weight: 2, arbitrary: char },
    ),
    {
      minLength: 1,
      maxLength: 3,
    },
  )
  .map((units) => units.join(''));
const separator = fc.constantFrom('/', '/', '/', '//', '\\', '/;');
const path = fc
  .array(fc.tuple(separator, segment), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.map(([sep, seg]) => `${sep}${seg}`).join(''))
  .map((p) => (p.startsWith('/') ? p : `/${p}`));

/** One way an origin may read a path (see originReading). */
interface Reading {
  decodings: 1 | 2;
  /** Unicode-normalised (NFKC). */
  nfkc: boolean;
  /** Trailing dots and spaces dropped from each segment, as Windows servers do. */
  windows: boolean;
  /** Each segment trimmed (Windows) before it is normalised, instead of after. */
  trimFirst?: boolean;
  /** After the decodings, `%uXXXX` escapes read as IIS and JavaScript's unescape read them. */
  percentU?: boolean;
}

/**
 * How a lenient origin reads a path: escapes decoded (once, or twice by an origin that decodes
 * again), optionally Unicode-normalised (NFKC), cut at a decoded `?` or `#` (parsed again as a
 * URL), `\` as `/`, `;` cut, optionally trailing dots and spaces dropped, dots resolved.
 */
function originReading(received: string, { decodings, nfkc, windows, trimFirst, percentU }: Reading): string {
  let decoded = received;
  for (let i = 0; i < decodings; i++) {
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      decoded = unescape(decoded);
    }
  }
  if (percentU) decoded = unescape(decoded);
  if (nfkc && !trimFirst) decoded = decoded.normalize('NFKC');
  decoded = decoded.split(/[?#]/, 1)[0] as string;
  const out: string[] = [];
  for (const raw of decoded.replace(/\\/g, '/').split('/')) {
    const cut = raw.split(';')[0] as string;
    const trimmed = windows && cut !== '.' && cut !== '..' ? windowsSegment(cut) : cut;
    const segment = trimFirst ? trimmed.normalize('NFKC') : trimmed;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}

/** A segment as Windows reads it: trailing dots and spaces dropped; dots and spaces alone (both) as `..`. */
function windowsSegment(segment: string): string {
  if (/^[. ]+$/.test(segment) && segment.includes(' ') && segment.includes('.')) return '..';
  return segment.replace(/[. ]+$/, '');
}

/** The route a plain longest-prefix match picks for a decoded path (written independently of src/). */
function naiveRoute(decodedPath: string): string {
  let best = 'root';
  let bestLength = 0;
  for (const route of table.routes) {
    const prefix = decodeURIComponent(route.path);
    const matches = prefix === '/' || decodedPath === prefix || decodedPath.startsWith(`${prefix}/`);
    if (matches && prefix.length > bestLength) [best, bestLength] = [route.id, prefix.length];
  }
  return best;
}

/**
 * Escapes decoded once or twice, with or without Unicode normalisation and Windows' trimming, and
 * once followed by IIS's `%u` decoding.
 */
const READINGS: Reading[] = [
  ...([1, 2] as const).flatMap((decodings) => [
    ...[false, true].flatMap((nfkc) => [false, true].map((windows) => ({ decodings, nfkc, windows }))),
    { decodings, nfkc: true, windows: true, trimFirst: true },
  ]),
  { decodings: 1, nfkc: false, windows: true, percentU: true },
];

/** The status of the last path `violation` checked. */
let lastStatus = 0;

/** Checks one path; returns a description of what broke, or null. */
async function violation(p: string): Promise<string | null> {
  const url = `https://prop.test${p}`;
  const headers = { 'cf-connecting-ip': '192.0.2.1' };
  const response = await router.fetch(url, { headers });
  lastStatus = response.status;
  if (response.status === 400) {
    const body = (await response.json()) as { error: string };
    return body.error === 'bad_request' ? null : `400 with error ${body.error}`;
  }
  if (response.status !== 200) return `status ${response.status}`;
  const route = response.headers.get('x-route') ?? '';
  const received = ((await response.json()) as Echo).url;
  const explained = await simulate({ url, headers });
  if (explained.route?.id !== route) return `served by ${route}, explain says ${explained.route?.id}`;
  const upstream = new URL(explained.upstream ?? 'invalid:');
  if (`${upstream.pathname}${upstream.search}` !== received)
    return `origin got ${received}, explain says ${upstream.href}`;
  const compiled = byId.get(route);
  const base = new URL(compiled?.origins[0]?.origin ?? 'http://x').pathname.replace(/\/$/, '');
  const basePath = compiled?.origins[0]?.basePath ?? '';
  if (!received.startsWith(basePath)) return `origin got ${received}, outside the base ${basePath}${base}`;
  const below = received.slice(basePath.length) || '/';
  const publicPath =
    compiled?.stripPrefix && compiled.path !== '/' ? `${compiled.path}${below === '/' ? '' : below}` : below;
  for (const way of READINGS) {
    const reading = originReading(publicPath, way);
    const expected = naiveRoute(reading);
    const how = `decoding ${way.decodings}x${way.nfkc ? ', normalising' : ''}${way.windows ? ', as Windows' : ''}${way.trimFirst ? ', trimming first' : ''}`;
    if (expected !== route)
      return `origin ${how} reads ${reading} (route ${expected}), but ${route} served it`;
  }
  return null;
}

describe('the canonical path, by generation', () => {
  it('holds for every path kept from earlier failures', async () => {
    for (const p of regressions as string[]) expect(await violation(p), p).toBeNull();
  });

  it('holds for generated paths: 400, or the origin gets exactly what was matched, as explain says', async () => {
    const runs = Number(testEnv.FUZZ_RUNS || 1000);
    const seed = testEnv.FUZZ_SEED ? Number(testEnv.FUZZ_SEED) : undefined;
    const started = Date.now();
    let proxied = 0;
    await fc.assert(
      fc.asyncProperty(path, async (p) => {
        const problem = await violation(p);
        if (problem) throw new Error(`path ${JSON.stringify(p)}: ${problem}`);
        if (lastStatus === 200) proxied++;
      }),
      { numRuns: runs, seed },
    );
    // A router that refused every path would pass the property: enough of them must go through.
    expect(proxied).toBeGreaterThan(runs * 0.05);
    if (testEnv.FUZZ_RUNS) {
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `path property: ${runs} cases in ${seconds.toFixed(1)} s (${Math.round(runs / seconds)} cases/s)`,
      );
    }
  });
});
