/**
 * `npm run stats` against a local stand-in of the Analytics Engine SQL API (a real HTTP server
 * answering in the documented JSON format): the SQL it sends (weighted by `_sample_interval`,
 * nothing unchecked from the command line), the table, the JSON, the `--fail-above` exit codes
 * at the edges of the threshold, version comparison, and the errors a user can meet (missing
 * credentials, a refused token) without the token ever being printed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/serve/local-router.ts';
import { COLUMNS } from '../../scripts/stats/columns.ts';
import { sqlString } from '../../scripts/stats/sql.ts';
import { main } from '../../scripts/stats.ts';
import { metricsPoint } from '../../src/pipeline/metrics.ts';
import { type SqlStandIn, type StandInRow, startSqlStandIn } from '../stand-ins/analytics-sql.ts';
import { runCommand } from './in-process.ts';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
const TOKEN = 'stand-in-token-4f9b2c';
const V1 = '0f6c1a52-7d3e-4c51-9a0e-2b8f4d6e1a90';
const V2 = '5d2e9b71-1c4a-4f8e-8b3d-7a6c0e9f2b14';

let api: SqlStandIn;
const project = mkdtempSync(join(tmpdir(), 'stats-test-'));

beforeAll(async () => {
  api = await startSqlStandIn({ account: ACCOUNT, token: TOKEN });
  writeFileSync(join(project, 'wrangler.toml'), 'name = "shop-edge"\nmain = "src/index.ts"\n');
});
afterAll(async () => {
  await api.close();
  rmSync(project, { recursive: true, force: true });
});
beforeEach(() => {
  api.calls.length = 0;
  api.answer = () => [];
});

const env = () => ({
  CLOUDFLARE_API_BASE_URL: api.base,
  CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
  CLOUDFLARE_API_TOKEN: TOKEN,
});
const stats = (args: string[], extraEnv: Record<string, string | undefined> = {}) =>
  runCommand(main, args, { cwd: project, env: { ...env(), ...extraEnv } });

/** A summary row as the API returns it: sums are UInt64, quoted; percentiles Float64. */
function summary(route: string, counts: Partial<Record<string, number>>, version?: string): StandInRow {
  const n = (name: string) => String(counts[name] ?? 0);
  return {
    route,
    ...(version ? { version } : {}),
    requests: n('requests'),
    status_4xx: n('4xx'),
    status_5xx: n('5xx'),
    p50_ms: counts.p50 ?? 10,
    p95_ms: counts.p95 ?? 40,
    p99_ms: counts.p99 ?? 90,
    cache_hits: n('hits'),
    cache_misses: n('misses'),
    failovers: n('failovers'),
  };
}

/** Answers each of the three queries by what it asks for. */
function answerWith(rows: { summary?: StandInRow[]; errors?: StandInRow[]; series?: StandInRow[] }) {
  api.answer = (sql) => {
    if (sql.includes('toStartOfInterval')) return rows.series ?? [];
    if (sql.includes('AS error')) return rows.errors ?? [];
    return rows.summary ?? [];
  };
}

const summarySql = () => api.calls.map((c) => c.sql).find((sql) => sql.includes('AS cache_hits')) ?? '';

describe('the SQL stats sends', () => {
  it('asks the account SQL endpoint, with the token, for totals and router errors weighted by sample interval', async () => {
    const { status, stderr } = await stats(['--since', '15m', '--route', 'api']);
    expect(status, stderr).toBe(0);
    expect(api.calls).toHaveLength(2);
    for (const call of api.calls) {
      expect(call.method).toBe('POST');
      expect(call.path).toBe(`/client/v4/accounts/${ACCOUNT}/analytics_engine/sql`);
      expect(call.authorization).toBe(`Bearer ${TOKEN}`);
    }
    expect(summarySql()).toBe(
      [
        'SELECT index1 AS route,',
        '  SUM(_sample_interval) AS requests,',
        '  SUM(IF(double1 >= 400 AND double1 < 500, _sample_interval, 0)) AS status_4xx,',
        '  SUM(IF(double1 >= 500, _sample_interval, 0)) AS status_5xx,',
        '  quantileExactWeighted(0.5)(double2, _sample_interval) AS p50_ms,',
        '  quantileExactWeighted(0.95)(double2, _sample_interval) AS p95_ms,',
        '  quantileExactWeighted(0.99)(double2, _sample_interval) AS p99_ms,',
        "  SUM(IF(blob4 = 'HIT', _sample_interval, 0)) AS cache_hits,",
        "  SUM(IF(blob4 = 'MISS', _sample_interval, 0)) AS cache_misses,",
        '  SUM(IF(double5 = 1, _sample_interval, 0)) AS failovers',
        'FROM shop_edge',
        "WHERE timestamp > NOW() - INTERVAL '15' MINUTE AND index1 = 'api'",
        'GROUP BY route',
        'ORDER BY route',
        'FORMAT JSON',
      ].join('\n'),
    );
    const errors = api.calls.map((c) => c.sql).find((sql) => sql.includes('AS error'));
    expect(errors).toBe(
      [
        'SELECT index1 AS route, blob3 AS error,',
        '  SUM(_sample_interval) AS requests',
        'FROM shop_edge',
        "WHERE timestamp > NOW() - INTERVAL '15' MINUTE AND index1 = 'api' AND blob3 != ''",
        'GROUP BY route, error',
        'ORDER BY route, error',
        'FORMAT JSON',
      ].join('\n'),
    );
  });

  it('reads the window as whole minutes, hours or days', async () => {
    for (const [since, interval] of [
      ['1h', "INTERVAL '1' HOUR"],
      ['1d', "INTERVAL '1' DAY"],
      ['90d', "INTERVAL '90' DAY"],
    ]) {
      api.calls.length = 0;
      expect((await stats(['--since', since ?? ''])).status).toBe(0);
      expect(summarySql()).toContain(`WHERE timestamp > NOW() - ${interval}\n`);
    }
  });

  it('refuses route ids that are not route ids, and windows that are not a number and a unit, before sending anything', async () => {
    const attempts = [
      ['--route', "api' OR '1'='1"],
      ['--route', "api'; DROP TABLE shop_edge; --"],
      ['--route', 'api\\'],
      ['--route', 'API'],
      ['--route', 'a'.repeat(65)],
      ['--since', "15m' OR 1=1"],
      ['--since', '15 MINUTE'],
      ['--since', '1e3m'],
      ['--since', '0m'],
      ['--since', '91d'],
      ['--version', "x' OR blob7 != '"],
    ];
    for (const args of attempts) {
      const { status, stdout, stderr } = await stats(args);
      expect(status, args.join(' ')).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain(`stats: ${args[0]}`);
    }
    expect(api.calls).toEqual([]);
  });

  it('quotes every string it writes into SQL, escaping quotes and backslashes', async () => {
    expect(sqlString("it's")).toBe("'it\\'s'");
    expect(sqlString('back\\slash')).toBe("'back\\\\slash'");
    expect(sqlString("\\' OR 1=1 --")).toBe("'\\\\\\' OR 1=1 --'");
    // A route id with every character the schema allows goes through, quoted.
    expect((await stats(['--route', '0api.v2_x-y'])).status).toBe(0);
    expect(summarySql()).toContain("AND index1 = '0api.v2_x-y'\n");
  });

  it('reads the columns the Worker writes', () => {
    const point = metricsPoint(
      {
        request_id: 'r',
        route: 'api',
        host: 'api.example.com',
        method: 'GET',
        path: '/',
        status: 503,
        duration_ms: 41,
        cache: 'MISS',
        origin: 'https://b.example.net',
        origin_status: 503,
        tries: 2,
        error: 'bad_gateway',
      },
      V1,
    );
    const column = (name: string) => {
      const [kind, n] = [name.replace(/\d+$/, ''), Number(name.replace(/^\D+/, '')) - 1];
      return kind === 'index' ? point.indexes[n] : kind === 'blob' ? point.blobs[n] : point.doubles[n];
    };
    expect(Object.fromEntries(Object.entries(COLUMNS).map(([field, name]) => [field, column(name)]))).toEqual(
      {
        route: 'api',
        host: 'api.example.com',
        method: 'GET',
        error: 'bad_gateway',
        cache: 'MISS',
        answeredBy: 'router',
        origin: 'https://b.example.net',
        version: V1,
        status: 503,
        durationMs: 41,
        tries: 2,
        originStatus: 503,
        failover: 1,
      },
    );
  });
});

describe('what stats prints', () => {
  const rows = {
    summary: [
      summary('(none)', { requests: 12, '4xx': 12, p50: 0, p95: 1, p99: 1 }),
      summary('api', {
        requests: 1204,
        '4xx': 15,
        '5xx': 5,
        hits: 630,
        misses: 370,
        failovers: 3,
        p50: 12,
        p95: 80,
        p99: 240,
      }),
      summary('www', { requests: 88, '5xx': 9, p50: 30, p95: 2100, p99: 10_000 }),
    ],
    errors: [
      { route: '(none)', error: 'no_route', requests: '12' },
      { route: 'api', error: 'bad_gateway', requests: '4' },
      { route: 'api', error: 'gateway_timeout', requests: '1' },
      { route: 'www', error: 'gateway_timeout', requests: '9' },
    ],
  };

  it('a table: one line per route, rates, percentiles, cache hit ratio, failovers, router errors by code', async () => {
    answerWith(rows);
    const { status, stdout } = await stats(['--since', '1h']);
    expect(status).toBe(0);
    expect(stdout).toBe(
      [
        'Routes of shop-edge (dataset shop_edge), last 1h:',
        '',
        'ROUTE   REQUESTS     4XX    5XX   P50     P95      P99  CACHE HIT  FAILOVERS  ROUTER ERRORS',
        '(none)        12  100.0%   0.0%   0ms     1ms      1ms          -          0  no_route 12',
        'api        1,204    1.2%   0.4%  12ms    80ms    240ms      63.0%          3  bad_gateway 4, gateway_timeout 1',
        'www           88    0.0%  10.2%  30ms  2100ms  10000ms          -          0  gateway_timeout 9',
        '',
      ].join('\n'),
    );
  });

  it('--json: the same numbers, and the rates as fractions', async () => {
    answerWith(rows);
    const { status, stdout } = await stats(['--json', '--route', 'api']);
    expect(status).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ worker: 'shop-edge', dataset: 'shop_edge', since: '1h' });
    expect(report.routes[1]).toEqual({
      route: 'api',
      requests: 1204,
      status_4xx: 15,
      status_5xx: 5,
      rate_4xx: 15 / 1204,
      rate_5xx: 5 / 1204,
      errors: { bad_gateway: 4, gateway_timeout: 1 },
      p50_ms: 12,
      p95_ms: 80,
      p99_ms: 240,
      cache_hits: 630,
      cache_misses: 370,
      cache_hit_ratio: 0.63,
      failovers: 3,
    });
    expect(report.routes[2].cache_hit_ratio).toBeNull();
    expect(report.alert).toBeUndefined();
  });

  it('says so when the window holds no requests', async () => {
    const { status, stdout } = await stats(['--since', '15m']);
    expect(status).toBe(0);
    expect(stdout).toContain('No requests in the last 15m.');
  });

  it('--version A --against B: both versions of each route side by side, even one with no traffic', async () => {
    answerWith({
      summary: [
        summary('api', { requests: 500, '5xx': 1 }, V1),
        summary('api', { requests: 100, '5xx': 9 }, V2),
        summary('www', { requests: 40 }, V1),
      ],
      errors: [{ route: 'api', version: V2, error: 'bad_gateway', requests: '9' }],
    });
    const { status, stdout } = await stats(['--version', V1, '--against', V2]);
    expect(status).toBe(0);
    expect(summarySql()).toContain(`AND blob7 IN ('${V1}', '${V2}')\nGROUP BY route, version\n`);
    expect(summarySql()).toMatch(/^SELECT index1 AS route, blob7 AS version,/);
    const lines = stdout.split('\n').filter((l) => /^(api|www) /.test(l));
    expect(lines.map((l) => l.split(/\s+/).slice(0, 5))).toEqual([
      ['api', V1, '500', '0.0%', '0.2%'],
      ['api', V2, '100', '0.0%', '9.0%'],
      ['www', V1, '40', '0.0%', '0.0%'],
      ['www', V2, '0', '-', '-'],
    ]);
    expect(lines[1]).toContain('bad_gateway 9');
  });

  it('--against without --version, or the same version twice, is an error', async () => {
    expect((await stats(['--against', V2])).stderr).toContain('--against needs --version');
    expect((await stats(['--version', V1, '--against', V1])).status).toBe(1);
    expect(api.calls).toEqual([]);
  });
});

describe('--fail-above: the alert rule', () => {
  const withRoutes = (...routes: StandInRow[]) => answerWith({ summary: routes });

  it('exactly at the threshold is not above it: exit 0', async () => {
    withRoutes(summary('api', { requests: 100, '5xx': 5 }));
    const { status, stderr } = await stats(['--since', '15m', '--fail-above', '5%']);
    expect(status).toBe(0);
    expect(stderr).toBe('');
  });

  it('one request past it trips: exit 2, naming the route', async () => {
    withRoutes(summary('api', { requests: 100, '5xx': 6 }), summary('www', { requests: 100, '5xx': 5 }));
    const { status, stdout, stderr } = await stats(['--since', '15m', '--fail-above', '5%']);
    expect(status).toBe(2);
    expect(stdout).toContain('ROUTE');
    expect(stderr).toBe('5xx rate above 5% on api (6.0% of 100 requests)\n');
  });

  it('the rate it names reads above the threshold: 504 in 10,000 is 5.04%, not 5.0%', async () => {
    withRoutes(summary('api', { requests: 10_000, '5xx': 504 }), summary('www', { requests: 100, '5xx': 7 }));
    const { status, stderr } = await stats(['--since', '15m', '--fail-above', '5%']);
    expect(status).toBe(2);
    expect(stderr).toBe('5xx rate above 5% on api (5.04% of 10000 requests), www (7.0% of 100 requests)\n');
  });

  it('decimal thresholds compare exactly: 5 in 100 is above 4.999% but not 5.000%', async () => {
    withRoutes(summary('api', { requests: 100, '5xx': 5 }));
    expect((await stats(['--fail-above', '4.999%'])).status).toBe(2);
    expect((await stats(['--fail-above', '5.000%'])).status).toBe(0);
    expect((await stats(['--fail-above', '0%'])).status).toBe(2);
    expect((await stats(['--fail-above', '100%'])).status).toBe(0);
  });

  it('routes with fewer than --min-requests requests (default 20) do not count', async () => {
    withRoutes(summary('quiet', { requests: 19, '5xx': 19 }), summary('busy', { requests: 20, '5xx': 2 }));
    const byDefault = await stats(['--fail-above', '5%']);
    expect(byDefault.status).toBe(2);
    expect(byDefault.stderr).toBe('5xx rate above 5% on busy (10.0% of 20 requests)\n');
    const lower = await stats(['--fail-above', '5%', '--min-requests', '19']);
    expect(lower.stderr).toBe(
      '5xx rate above 5% on quiet (100.0% of 19 requests), busy (10.0% of 20 requests)\n',
    );
    expect((await stats(['--fail-above', '5%', '--min-requests', '21'])).status).toBe(0);
  });

  it('--json names the failing routes too, and still exits 2', async () => {
    withRoutes(summary('api', { requests: 100, '5xx': 6 }));
    const { status, stdout } = await stats(['--json', '--fail-above', '5%']);
    expect(status).toBe(2);
    expect(JSON.parse(stdout).alert).toEqual({ fail_above: '5%', min_requests: 20, failing: ['api'] });
  });

  it('refuses thresholds that are not percentages', async () => {
    for (const value of ['5', '5 %', '-1%', '101%', 'five%', '0.0001%']) {
      const { status, stderr } = await stats(['--fail-above', value]);
      expect(status, value).toBe(1);
      // The first line is the error; the usage after it lists every flag anyway.
      expect(stderr.split('\n')[0]).toContain('--fail-above');
    }
    const minimum = await stats(['--fail-above', '5%', '--min-requests', '0']);
    expect(minimum.stderr.split('\n')[0]).toContain('--min-requests');
    expect(api.calls).toEqual([]);
  });
});

describe('errors a user can meet', () => {
  it('missing credentials: exit 1, naming the variables, asking nothing of the API', async () => {
    const noToken = await stats([], { CLOUDFLARE_API_TOKEN: undefined });
    expect(noToken.status).toBe(1);
    expect(noToken.stderr).toContain('CLOUDFLARE_API_TOKEN is not set');
    const neither = await stats([], { CLOUDFLARE_API_TOKEN: '', CLOUDFLARE_ACCOUNT_ID: undefined });
    expect(neither.stderr).toContain('CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN are not set');
    expect(api.calls).toEqual([]);
  });

  it('a refused token: exit 1 with the status and a hint, and the token is never printed', async () => {
    const wrong = `${TOKEN}-revoked`;
    const { status, stdout, stderr } = await stats([], { CLOUDFLARE_API_TOKEN: wrong });
    expect(status).toBe(1);
    expect(stderr).toContain(
      'the Analytics Engine SQL API answered 401 (the token needs Account Analytics: Read)',
    );
    expect(stdout + stderr).not.toContain(wrong);
  });

  it('an API error that echoes the token back: the token is hidden', async () => {
    api.answer = () => ({ status: 422, body: `unknown table; your token ${TOKEN} is fine` });
    const { status, stdout, stderr } = await stats([]);
    expect(status).toBe(1);
    expect(stderr).toContain('answered 422: unknown table; your token (hidden) is fine');
    expect(stdout + stderr).not.toContain(TOKEN);
  });

  it('reads answers whatever the token looks like (hiding it only ever touches error text)', async () => {
    const short = await startSqlStandIn({ account: ACCOUNT, token: 'a' });
    try {
      short.answer = (sql) => (sql.includes('AS error') ? [] : [summary('api', { requests: 3 })]);
      const { status, stdout } = await stats(['--json'], {
        CLOUDFLARE_API_BASE_URL: short.base,
        CLOUDFLARE_API_TOKEN: 'a',
      });
      expect(status).toBe(0);
      expect(JSON.parse(stdout).routes[0]).toMatchObject({ route: 'api', requests: 3 });
    } finally {
      await short.close();
    }
  });

  it('an API that cannot be reached: exit 1, naming the address but not the account', async () => {
    const port = await freePort();
    const { status, stderr } = await stats([], {
      CLOUDFLARE_API_BASE_URL: `http://127.0.0.1:${port}/client/v4`,
    });
    expect(status).toBe(1);
    expect(stderr).toContain(
      `cannot reach the Analytics Engine SQL API at http://127.0.0.1:${port}/client/v4/accounts/(account)/analytics_engine/sql: ECONNREFUSED`,
    );
    expect(stderr).not.toContain(ACCOUNT);
  });
});

describe('which Worker stats looks at', () => {
  it("the environment's Worker, named from wrangler.toml and routes.yaml, never from the last build", async () => {
    const project = mkdtempSync(join(tmpdir(), 'stats-env-'));
    try {
      writeFileSync(join(project, 'wrangler.toml'), 'name = "shop-edge"\n');
      writeFileSync(
        join(project, 'routes.yaml'),
        'version: 1\nenvironments: { production: {}, staging: { hosts: { example.com: staging.example.com } } }\nroutes: []\n',
      );
      // A staging build lying around does not make production's stats look at staging.
      mkdirSync(join(project, 'src', 'generated'), { recursive: true });
      writeFileSync(
        join(project, 'src', 'generated', 'wrangler.json'),
        JSON.stringify({ name: 'shop-edge-staging' }),
      );
      expect((await runCommand(main, [], { cwd: project, env: env() })).status).toBe(0);
      expect(summarySql()).toContain('FROM shop_edge\n');
      api.calls.length = 0;
      expect((await runCommand(main, ['--env', 'staging'], { cwd: project, env: env() })).status).toBe(0);
      expect(summarySql()).toContain('FROM shop_edge_staging\n');
      const unknown = await runCommand(main, ['--env', 'qa'], { cwd: project, env: env() });
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toContain(
        '--env qa: not an environment of routes.yaml (declared: production, staging)',
      );
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
