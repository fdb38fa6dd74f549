/**
 * The compiler against route files on disk: every invalid fixture reports exactly the errors its
 * `# expect: LINE:COL message` header lines name, and every valid fixture compiles, the same way
 * twice, into the values the Worker relies on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../scripts/compiler/analyze.ts';
import type { Diagnostic } from '../../scripts/compiler/diagnostics.ts';
import { renderTableModule } from '../../scripts/compiler/emit.ts';
import { linkTable } from '../../src/table/link.ts';
import type { CompiledRoute, CompiledTable } from '../../src/table/types.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const list = (kind: 'invalid' | 'valid') =>
  readdirSync(join(fixtures, kind))
    .filter((name) => name.endsWith('.yaml'))
    .sort();
const read = (kind: 'invalid' | 'valid', name: string) => readFileSync(join(fixtures, kind, name), 'utf8');

interface Expected {
  line: number;
  col: number;
  text: string;
}

/** Reads the `# expect: LINE:COL message-substring` lines at the top of a fixture. */
function expectations(text: string): Expected[] {
  const out: Expected[] = [];
  for (const line of text.replace(/^\uFEFF/, '').split('\n')) {
    const match = /^# expect: (\d+):(\d+) (.+)$/.exec(line);
    if (!match) break;
    out.push({ line: Number(match[1]), col: Number(match[2]), text: match[3] as string });
  }
  return out;
}

const show = (d: Diagnostic) => `${d.line}:${d.col} ${d.message}`;
const errorsOf = (text: string) => analyze(text).diagnostics.filter((d) => d.severity === 'error');

describe('invalid route files', () => {
  const names = list('invalid');

  it('cover the checks with at least 45 files', () => {
    expect(names.length).toBeGreaterThanOrEqual(45);
  });

  it.each(names)('%s reports exactly the expected errors at their positions', (name) => {
    const text = read('invalid', name);
    const wanted = expectations(text);
    expect(
      wanted.length,
      'the fixture starts with at least one "# expect: LINE:COL message" line',
    ).toBeGreaterThan(0);

    const analysis = analyze(text);
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(analysis.table).toBeUndefined();

    const unmatched = [...errors];
    for (const want of wanted) {
      const i = unmatched.findIndex(
        (d) => d.line === want.line && d.col === want.col && d.message.includes(want.text),
      );
      const got = errors.map(show).join('\n');
      expect(
        i,
        `no error at ${want.line}:${want.col} containing "${want.text}"; got:\n${got}`,
      ).toBeGreaterThanOrEqual(0);
      unmatched.splice(i, 1);
    }
    expect(unmatched.map(show), 'errors the fixture does not expect').toEqual([]);
  });
});

describe('valid route files', () => {
  const names = list('valid');

  it('include several files', () => {
    expect(names.length).toBeGreaterThanOrEqual(5);
  });

  it.each(names)('%s compiles without errors', (name) => {
    const analysis = analyze(read('valid', name));
    expect(analysis.diagnostics.map(show), 'no errors, and no warnings either').toEqual([]);
    expect(analysis.table).toBeDefined();
    expect(analysis.config).toBeDefined();
  });

  it.each(names)('%s compiles to byte-identical output twice', (name) => {
    const first = renderTableModule(compile(name), 'routes.yaml');
    const second = renderTableModule(compile(name), 'routes.yaml');
    expect(second).toBe(first);
    // The module embeds exactly the compiled table, packed into one JSON string.
    const literal = /JSON\.parse\(("(?:[^"\\]|\\.)*")\)/.exec(first)?.[1];
    expect(literal).toBeDefined();
    const linked = linkTable(JSON.parse(JSON.parse(literal as string)));
    const table = compile(name);
    // A linked route is its identity on top of its shared policy (its prototype): flatten to compare.
    table.routes.forEach((route, i) => {
      const own = linked.route(i);
      expect({ ...Object.getPrototypeOf(own), ...own }).toEqual(route);
    });
    // The host indexes rebuilt at startup hold the compiler's (the resolver does not need its order).
    const sorted = (list: readonly number[] | undefined) => [...(list ?? [])].sort();
    for (const [host, list] of Object.entries(table.exact))
      expect(sorted(linked.exact(host))).toEqual(sorted(list));
    for (const [parent, list] of Object.entries(table.wildcard))
      expect(sorted(linked.wildcard(parent))).toEqual(sorted(list));
    // A module from an older build fails at startup with the fix, not on the first request.
    expect(() => linkTable({ ...JSON.parse(JSON.parse(literal as string)), format: 1 })).toThrow(
      'The route table module is stale: run `npm run build`.',
    );
  });
});

/** Compiles a valid fixture and returns the table, failing the test on any error. */
function compile(name: string): CompiledTable {
  const analysis = analyze(read('valid', name));
  if (!analysis.table) throw new Error(`${name}: ${analysis.diagnostics.map(show).join('; ')}`);
  return analysis.table;
}

function routeOf(table: CompiledTable, id: string): CompiledRoute {
  const route = table.routes.find((r) => r.id === id);
  if (!route) throw new Error(`no route ${id}`);
  return route;
}

const ids = (table: CompiledTable, indexes: number[] | undefined) =>
  (indexes ?? []).map((i) => (table.routes[i] as CompiledRoute).id);

describe('compiled values', () => {
  it('keeps the shipped route: CORS for any origin with pre-joined headers and a 60 s edge cache', () => {
    const table = compile('shipped.yaml');
    const api = routeOf(table, 'api');
    expect(table.exact).toEqual({ 'api.fluxkontext.space': [0] });
    expect(api.origins).toEqual([{ origin: 'https://fluxkontext.space', basePath: '' }]);
    expect(api.cors).toMatchObject({
      any: true,
      credentials: false,
      allowMethods: 'GET, POST, PUT, DELETE, OPTIONS',
      headers: ['content-type', 'authorization'],
      expose: '',
      maxAge: '86400',
    });
    expect(api.cache).toEqual({ ttl: 60, statuses: [200] });
    expect(api.timeoutMs).toBe(30_000);
    // No idle timeout unless asked for: the body streams natively.
    expect(api.idleTimeoutMs).toBe(0);
  });

  it('indexes exact hosts and wildcard suffixes separately, normalising case and trailing dots', () => {
    const table = compile('hosts-and-paths.yaml');
    expect(Object.keys(table.exact)).toEqual(['api.example.com', 'static.example.com']);
    expect(Object.keys(table.wildcard)).toEqual(['tenants.example.com']);
    expect(routeOf(table, 'v1').hosts).toEqual(['api.example.com']);
    expect(routeOf(table, 'root').hosts).toEqual(['api.example.com', '*.tenants.example.com']);
  });

  it('sorts each host’s routes longest path first and normalises trailing slashes', () => {
    const table = compile('hosts-and-paths.yaml');
    expect(ids(table, table.exact['api.example.com'])).toEqual(['v1-users', 'v1', 'root']);
    expect(ids(table, table.wildcard['tenants.example.com'])).toEqual(['tenant-static', 'tenant-b', 'root']);
    expect(ids(table, table.exact['static.example.com'])).toEqual(['tenant-static']);
    expect(routeOf(table, 'v1-users')).toMatchObject({ path: '/v1/users', stripPrefix: true });
    expect(routeOf(table, 'v1-users').origins).toEqual([
      { origin: 'https://users.example.net', basePath: '/api' },
    ]);
  });

  it('turns durations into milliseconds', () => {
    expect(routeOf(compile('defaults.yaml'), 'inherits').timeoutMs).toBe(15_000);
    expect(routeOf(compile('defaults.yaml'), 'overrides').timeoutMs).toBe(2_500);
    expect(routeOf(compile('access-and-limits.yaml'), 'live').timeoutMs).toBe(60_000);
    expect(routeOf(compile('minimal.yaml'), 'site').timeoutMs).toBe(30_000);
  });

  it('adds HEAD wherever GET is allowed and pre-joins the Allow header', () => {
    const table = compile('defaults.yaml');
    expect(routeOf(table, 'inherits')).toMatchObject({
      methods: ['GET', 'HEAD', 'POST'],
      allow: 'GET, HEAD, POST',
    });
    expect(routeOf(table, 'overrides')).toMatchObject({ methods: ['PUT'], allow: 'PUT' });
    expect(routeOf(compile('access-and-limits.yaml'), 'admin').allow).toBe('GET, HEAD, POST, DELETE');
    expect(routeOf(compile('minimal.yaml'), 'site')).toMatchObject({
      methods: null,
      allow: 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS',
    });
  });

  it('merges defaults field by field: a route’s keys win, lists are replaced, false drops a default', () => {
    const table = compile('defaults.yaml');
    const inherits = routeOf(table, 'inherits');
    expect(inherits.cors).toMatchObject({
      exact: ['https://app.example.com'],
      wildcards: [{ scheme: 'https://', suffix: '.preview.example.com' }],
      credentials: true,
      allowMethods: 'GET, POST, OPTIONS',
      headers: ['content-type', 'authorization', 'x-request-id'],
      expose: 'X-Request-Id, X-Cache',
      maxAge: '7200',
    });
    expect(inherits.cache).toEqual({ ttl: 120, statuses: [200, 404] });
    expect(inherits.requestHeaders).toEqual({
      set: [['x-edge-token', [{ env: 'EDGE_TOKEN' }]]],
      remove: ['cookie'],
    });

    const overrides = routeOf(table, 'overrides');
    expect(overrides.cors).toMatchObject({
      exact: ['https://app.example.com'],
      credentials: true,
      maxAge: '60',
    });
    expect(overrides.cache).toEqual({ ttl: 30, statuses: [200, 404] });
    expect(overrides.requestHeaders).toEqual({
      set: [['x-edge-token', [{ env: 'EDGE_TOKEN' }]]],
      remove: ['authorization'],
    });
    expect(overrides.responseHeaders.set).toEqual([
      ['x-frame-options', ['DENY']],
      ['cache-control', ['no-store']],
    ]);

    expect(routeOf(table, 'no-cors-no-cache')).toMatchObject({ cors: null, cache: null, timeoutMs: 15_000 });
    expect(routeOf(table, 'cache-zero').cache).toBeNull();
  });

  it('keeps failover origins in order and compiles redirect routes', () => {
    const table = compile('failover-and-redirects.yaml');
    const api = routeOf(table, 'api');
    expect(api.origins).toEqual([
      { origin: 'https://primary.example.net', basePath: '/base' },
      { origin: 'https://backup.example.net:8443', basePath: '' },
    ]);
    expect(api.retry).toEqual({ nonIdempotent: true, maxReplayBody: 128 * 1024 });
    expect(routeOf(table, 'old-site')).toMatchObject({
      origins: [],
      redirect: { to: 'https://example.com', status: 308, keepPath: true },
    });
    expect(routeOf(table, 'docs-moved').redirect).toEqual({
      to: 'https://docs.example.org/start?from=site',
      status: 302,
      keepPath: false,
    });
    expect(ids(table, table.exact['example.com'])).toEqual(['docs-moved', 'site']);
    expect(routeOf(compile('minimal.yaml'), 'site').retry).toEqual({
      nonIdempotent: false,
      maxReplayBody: 64 * 1024,
    });
  });

  it('compiles each environment from one file: hosts and origins mapped, vars and overrides applied', () => {
    const text = read('valid', 'environments.yaml');
    const production = analyze(text).table as CompiledTable;
    const staging = analyze(text, { env: 'staging' }).table as CompiledTable;
    expect(production.environment).toBe('production');
    expect(Object.keys(production.exact).sort()).toEqual([
      'admin.example.com',
      'api.example.com',
      'example.org',
    ]);
    expect(Object.keys(production.wildcard)).toEqual(['tenants.example.com']);
    expect(staging.environment).toBe('staging');
    expect(Object.keys(staging.exact).sort()).toEqual([
      'admin-staging.example.net',
      'api.staging.example.com',
      'staging.example.net',
    ]);
    expect(Object.keys(staging.wildcard)).toEqual(['tenants.staging.example.com']);
    expect(staging.vars).toEqual({ REGION: 'eu-staging' });
    expect(routeOf(staging, 'api').origins).toEqual([
      { origin: 'https://staging-o.example.net', basePath: '/v1' },
    ]);
    expect(routeOf(staging, 'tenants').origins.map((o) => o.origin)).toEqual([
      'https://staging-o.example.net',
      'https://backup.example.net',
    ]);
    expect(routeOf(staging, 'admin').rateLimits[0]?.limit).toBe(1000);
    expect(routeOf(production, 'admin').rateLimits[0]?.limit).toBe(10);
    // An override's `false` drops what defaults set, as a route's own does.
    expect(routeOf(staging, 'api').cache).toBeNull();
    expect(routeOf(production, 'api').cache).toEqual({ ttl: 60, statuses: [200] });
    expect(analyze(text, { env: 'qa' }).diagnostics[0]?.message).toBe(
      '--env qa: no such environment (declared: production, staging)',
    );
  });

  it('compiles the three clocks, lists of rate limits merged with defaults, and path parameters', () => {
    const table = compile('clocks-and-limit-lists.yaml');
    const pair = routeOf(table, 'pair');
    expect(pair).toMatchObject({
      timeoutMs: 9000,
      tryTimeoutMs: 4500,
      idleTimeoutMs: 0, // set in defaults, dropped by the route
      pathParameters: false,
    });
    expect(pair.rateLimits).toEqual([
      {
        binding: 'RL_PAIR',
        limit: 100,
        period: 60,
        key: { kind: 'header', name: 'x-api-key' },
        ipv6Prefix: 64,
      },
      { binding: 'RL_PAIR_2', limit: 1000, period: 60, key: { kind: 'ip' }, ipv6Prefix: 56 },
    ]);
    expect(routeOf(table, 'pinned')).toMatchObject({
      tryTimeoutMs: 2000,
      idleTimeoutMs: 300_000,
      pathParameters: true,
      rateLimits: [],
    });
  });

  it('compiles access rules, rate limits, body limits and websocket', () => {
    const table = compile('access-and-limits.yaml');
    const admin = routeOf(table, 'admin');
    expect(admin.access?.allow.map((c) => [c.text, c.bits])).toEqual([
      ['203.0.113.0/24', 96 + 24],
      ['2001:db8::/32', 32],
      ['192.0.2.1', 128],
    ]);
    expect(admin.access?.allow[0]?.words).toEqual([0, 0, 0xffff, 0xcb007100]);
    expect(admin.access?.deny.map((c) => c.text)).toEqual(['203.0.113.128/25']);
    expect(admin.rateLimits).toEqual([
      {
        binding: 'RL_ADMIN',
        limit: 100,
        period: 60,
        key: { kind: 'header', name: 'x-api-key' },
        ipv6Prefix: 64,
      },
    ]);
    expect(admin.maxBody).toBe(10 * 1024 * 1024);
    const uploads = routeOf(table, 'uploads');
    expect(uploads.rateLimits).toMatchObject([{ period: 10, key: { kind: 'ip' } }]);
    expect(uploads.maxBody).toBe(1_048_576);
    expect(routeOf(table, 'live').websocket).toBe(true);
    expect(uploads.websocket).toBe(false);
    expect(routeOf(compile('minimal.yaml'), 'site')).toMatchObject({
      access: null,
      rateLimits: [],
      maxBody: null,
    });
  });

  it('splits env references out of header values and keeps vars and secrets', () => {
    const table = compile('vars-and-secrets.yaml');
    expect(table.vars).toEqual({ TARGET_DOMAIN: 'fluxkontext.space', REGION: 'eu' });
    expect(table.secrets).toEqual(['ORIGIN_API_KEY', 'SIGNING_KEY']);
    const api = routeOf(table, 'api');
    expect(api.requestHeaders.set).toEqual([
      ['x-api-key', [{ env: 'ORIGIN_API_KEY' }]],
      ['x-target', ['https://', { env: 'TARGET_DOMAIN' }, '/', { env: 'REGION' }]],
      ['x-plain', ['plain value']],
    ]);
    expect(api.responseHeaders).toEqual({
      set: [['x-served-by', ['edge-', { env: 'REGION' }]]],
      remove: ['server', 'x-powered-by'],
    });
  });
});

describe('environment mappings', () => {
  it('match keys as requests and URLs spell them: a trailing dot, a default port, a trailing slash', () => {
    const text = [
      'version: 1',
      'environments:',
      '  production: {}',
      '  staging:',
      '    hosts: { example.com.: staging.example.com }',
      '    origins: { "https://o.example.net:443/": https://staging-o.example.net }',
      'routes:',
      '  - { id: api, hosts: [api.example.com], origin: https://o.example.net/v1 }',
      '',
    ].join('\n');
    const analysis = analyze(text, { env: 'staging' });
    expect(analysis.diagnostics.map(show)).toEqual([]);
    const api = routeOf(analysis.table as CompiledTable, 'api');
    expect(api.hosts).toEqual(['api.staging.example.com']);
    expect(api.origins.map((o) => `${o.origin}${o.basePath}`)).toEqual(['https://staging-o.example.net/v1']);
  });

  it('compare one environment checked alone (--env) with every other, production included', () => {
    const text = [
      'version: 1',
      'environments:',
      '  production: {}',
      '  staging:',
      '    hosts: { example.com: example-staging.com }',
      '    routes:',
      '      api: { hosts: ["*.example.com"] }',
      'routes:',
      '  - { id: api, hosts: [api.example.com], origin: https://api.example.net }',
      '  - { id: www, hosts: [www.example.com], origin: https://www.example.net }',
      '',
    ].join('\n');
    const clash =
      "(a wildcard's zone route, which wins over a custom domain): staging needs hosts of its own";
    // Every clash is named: the wildcard would take both production hosts.
    expect(errorsOf(text).map(show)).toEqual([
      `7:22 in staging: host *.example.com would also match production's api.example.com ${clash}`,
      `7:22 in staging: host *.example.com would also match production's www.example.com ${clash}`,
    ]);
    // Checked alone, production finds the clash too, shown where staging has to change.
    const alone = [
      `7:22 host *.example.com would also match production's api.example.com ${clash}`,
      `7:22 host *.example.com would also match production's www.example.com ${clash}`,
    ];
    expect(analyze(text, { env: 'production' }).diagnostics.map(show)).toEqual(alone);
    expect(analyze(text, { env: 'staging' }).diagnostics.map(show)).toEqual(alone);
  });

  it('map an origin whatever trailing dots the key or the route spells its host with', () => {
    const text = [
      'version: 1',
      'environments:',
      '  production: {}',
      '  staging:',
      '    hosts: { example.com: staging.example.com }',
      '    origins: { "https://o.example.net": https://staging-o.example.net }',
      'routes:',
      '  - { id: api, hosts: [api.example.com], origin: "https://o.example.net./v1" }',
      '  - { id: www, hosts: [www.example.com], origin: "https://O.Example.Net.." }',
      '',
    ].join('\n');
    const analysis = analyze(text, { env: 'staging' });
    expect(analysis.diagnostics.map(show)).toEqual([]);
    const origins = (id: string) =>
      routeOf(analysis.table as CompiledTable, id).origins.map((o) => `${o.origin}${o.basePath}`);
    expect(origins('api')).toEqual(['https://staging-o.example.net/v1']);
    expect(origins('www')).toEqual(['https://staging-o.example.net']);
  });
});

describe('positions', () => {
  it('point at the offending value, not at the route that holds it', () => {
    const text = [
      'version: 1',
      'routes:',
      '  - id: api',
      '    hosts: [api.example.com]',
      '    origin: https://a.example.net',
      '    timeout: soon',
      '',
    ].join('\n');
    expect(errorsOf(text).map(show)).toEqual([
      '6:14 "soon" is not a duration: use a number and a unit, e.g. 500ms, 10s, 2m',
    ]);
  });

  it('point into defaults when a route inherits the bad value', () => {
    const text = [
      'version: 1',
      'defaults:',
      '  timeout: 99m',
      'routes:',
      '  - id: api',
      '    hosts: [api.example.com]',
      '    origin: https://a.example.net',
      '',
    ].join('\n');
    expect(errorsOf(text).map((d) => `${d.line}:${d.col}`)).toEqual(['3:12']);
  });
});

describe('warnings', () => {
  /** Analyzes the lines: the table still compiles; the diagnostics as `severity line:col message`. */
  const compiledWithDiagnostics = (lines: string[]): string[] => {
    const analysis = analyze([...lines, ''].join('\n'));
    expect(analysis.table).toBeDefined();
    return analysis.diagnostics.map((d) => `${d.severity} ${show(d)}`);
  };

  it('warn about a plain-http origin that is not loopback, and still compile', () => {
    const text = [
      'version: 1',
      'routes:',
      '  - id: api',
      '    hosts: [api.example.com]',
      '    origin: http://backend.example.net',
      '',
    ].join('\n');
    const analysis = analyze(text);
    expect(analysis.diagnostics).toEqual([
      { severity: 'warning', message: expect.stringContaining('plain http'), line: 5, col: 13 },
    ]);
    expect(analysis.table?.routes[0]?.origins).toEqual([
      { origin: 'http://backend.example.net', basePath: '' },
    ]);
  });

  it('warn about proxy settings on a redirect route', () => {
    const diagnostics = compiledWithDiagnostics([
      'version: 1',
      'routes:',
      '  - id: old',
      '    hosts: [old.example.com]',
      '    redirect: { to: https://example.com }',
      '    cache: { ttl: 60 }',
    ]);
    expect(diagnostics).toEqual(['warning 6:12 cache has no effect on a redirect route']);
  });

  it('warn that 206 and 304 in cache.statuses are never stored', () => {
    const diagnostics = compiledWithDiagnostics([
      'version: 1',
      'routes:',
      '  - id: api',
      '    hosts: [api.example.com]',
      '    origin: https://api.example.net',
      '    cache: { ttl: 60, statuses: [200, 304, 206] }',
    ]);
    expect(diagnostics).toEqual([
      "warning 6:39 cache.statuses: 304 is never stored (304 answers one client's conditional request and has no body)",
      "warning 6:44 cache.statuses: 206 is never stored (206 is the part of a body one client's Range asked for)",
    ]);
  });

  it('warn that a cors policy replaces the Access-Control-* a response rule sets', () => {
    const diagnostics = compiledWithDiagnostics([
      'version: 1',
      'defaults:',
      '  headers: { response: { set: { Access-Control-Allow-Origin: "*", X-Frame-Options: DENY } } }',
      'routes:',
      '  - id: app',
      '    hosts: [app.example.com]',
      '    origin: https://app.example.net',
      '    cors: { origins: ["https://www.example.com"] }',
      '  - { id: open, hosts: [open.example.com], origin: "https://open.example.net" }',
    ]);
    expect(diagnostics).toEqual([
      "warning 3:62 Access-Control-Allow-Origin is replaced by the route's cors policy: set it in cors:, or drop cors: to let the rule apply",
    ]);
  });

  it('say nothing of a setting turned off on a redirect route, as an environment does to defaults', () => {
    const text = [
      'version: 1',
      'defaults: { cache: { ttl: 60 } }',
      'environments:',
      '  production: {}',
      '  staging:',
      '    hosts: { example.com: staging.example.com }',
      '    routes: { old: { cache: false, idle_timeout: false } }',
      'routes:',
      '  - { id: old, hosts: [old.example.com], redirect: { to: "https://new.example.com" } }',
      '',
    ].join('\n');
    expect(analyze(text).diagnostics).toEqual([]);
    expect(analyze(text, { env: 'staging' }).diagnostics).toEqual([]);
  });
});
