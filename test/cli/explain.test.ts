/**
 * `npm run explain`: the real CLI over a fixture table, decided by the Worker's own resolver and
 * stages: proxied routes with their upstream URL, CORS, cache and headers; strip_prefix with
 * failover; a redirect; a wildcard host; a method refused with 405; every kind of no match.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Explanation } from '../../scripts/cli/explain-report.ts';
import { fixture, run } from './run-cli.ts';

const ROUTES = fixture('routes.yaml');
const explain = (url: string, ...args: string[]) => run('explain.ts', [url, '--routes', ROUTES, ...args]);

describe('explain', () => {
  it('shows the route, upstream URL, CORS answer, cache, timeout and header rules of a proxied GET', async () => {
    const result = await explain(
      'https://api.example.com/users?q=1&q=2',
      '--header',
      'Origin: https://app.example.com',
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = result.stdout;
    expect(out).toContain('GET https://api.example.com/users?q=1&q=2');
    expect(out).toMatch(/route +api +\(host api\.example\.com, path prefix \/\)/);
    expect(out).toMatch(/result +proxied to https:\/\/origin\.example\.net\/base\/users\?q=1&q=2\n/);
    expect(out).toMatch(/methods +GET allowed \(GET, HEAD, POST\)/);
    expect(out).toContain(
      'Origin https://app.example.com -> Access-Control-Allow-Origin: https://app.example.com',
    );
    expect(out).toMatch(/cache +TTL 120 s for statuses 200/);
    expect(out).toMatch(/timeout +10 s/);
    expect(out).toMatch(/access +any address/);
    expect(out).toMatch(/rate limit +none/);
    // A secret header shows its reference, never a value.
    expect(out).toContain(`set x-api-key: \${env.ORIGIN_API_KEY}`);
  });

  it('reports an Origin the policy does not allow, and a cache bypass for Authorization', async () => {
    const out = (
      await explain(
        'api.example.com/users',
        '-H',
        'Origin: https://evil.example.net',
        '-H',
        'Authorization: Bearer x',
      )
    ).stdout;
    expect(out).toContain('Origin https://evil.example.net is not allowed: no CORS headers');
    expect(out).toContain('bypassed: the request has Authorization (x-cache BYPASS)');
  });

  it('strips the prefix, lists failover origins and the rate limit, and shows access answering first', async () => {
    const allowed = await explain(
      'api.example.com/v2/items?x=1',
      '-X',
      'DELETE',
      '-H',
      'CF-Connecting-IP: 203.0.113.9',
    );
    expect(allowed.status).toBe(0);
    expect(allowed.stdout).toMatch(
      /route +api-v2 +\(host api\.example\.com, path prefix \/v2, strip_prefix\)/,
    );
    expect(allowed.stdout).toMatch(/result +proxied to https:\/\/v2-a\.example\.net\/items\?x=1\n/);
    expect(allowed.stdout).toMatch(/failover +https:\/\/v2-b\.example\.net\/items\?x=1/);
    expect(allowed.stdout).toMatch(
      /rate limit +100 per 60 s per ip \(IPv6 per \/64\) \(binding RL_API_V2\); over any: 429/,
    );

    const refused = await explain('api.example.com/v2/items', '-H', 'CF-Connecting-IP: 198.51.100.1');
    expect(refused.stdout).toMatch(/result +403 forbidden answered by the router \(access\)/);
    expect(refused.stdout).toMatch(/upstream +https:\/\/v2-a\.example\.net\/items \(not reached/);
  });

  it('answers 405 for a method the route does not allow', async () => {
    const out = (await explain('api.example.com/users', '--method', 'delete')).stdout;
    expect(out).toMatch(/result +405 method_not_allowed/);
    expect(out).toContain('DELETE not allowed: 405 (Allow: GET, HEAD, POST)');
  });

  it('answers 405 for TRACE, TRACK and CONNECT on a route that allows any method, as the Worker does', async () => {
    for (const method of ['TRACE', 'track', 'CONNECT']) {
      const result = await explain('www.example.com/x', '--method', method);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/result +405 method_not_allowed/);
      expect(result.stdout).toContain(
        `${method.toUpperCase()} not allowed: 405 (Allow: GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS)`,
      );
    }
  });

  it("answers 405 when the query's _method names a method the route does not allow, as the Worker does", async () => {
    const refused = await explain('api.example.com/users?.method=put', '--method', 'POST');
    expect(refused.stdout).toMatch(/result +405 method_not_allowed/);
    expect(refused.stdout).toContain('_method=PUT in the query not allowed: 405 (Allow: GET, HEAD, POST)');
    const allowed = await explain('api.example.com/users?_method=post', '--method', 'POST');
    expect(allowed.stdout).toContain('POST allowed (GET, HEAD, POST)');
  });

  it('shows a redirect target with the path and query kept', async () => {
    const result = await explain('http://www.example.com/a/b?c=1');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/result +308 redirect to https:\/\/example\.com\/a\/b\?c=1/);
  });

  it('matches a one-label wildcard host, but not two labels deep', async () => {
    expect((await explain('x.shop.example.co.uk/')).stdout).toMatch(
      /route +tenants +\(wildcard host \*\.shop\.example\.co\.uk, path prefix \/\)/,
    );
    const deep = await explain('a.b.shop.example.co.uk/');
    expect(deep.status).toBe(2);
    expect(deep.stdout).toContain('none: no route in the table serves host a.b.shop.example.co.uk');
  });

  it('says clearly when nothing matches: unknown host, known host without a matching path, unsafe path', async () => {
    const unknown = await explain('https://nope.example.com/x');
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toMatch(/route +none: no route in the table serves host nope\.example\.com/);
    expect(unknown.stdout).toMatch(/result +404 no_route/);

    const noPath = await explain('https://docs.example.com/guidebook');
    expect(noPath.status).toBe(2);
    expect(noPath.stdout).toContain(
      "host docs.example.com is routed, but no route's path prefix matches /guidebook",
    );

    const unsafe = await explain('https://api.example.com/a%2F..%2Fadmin');
    expect(unsafe.status).toBe(2);
    expect(unsafe.stdout).toContain('400 bad_request');
    expect(unsafe.stdout).toContain('refused before routing');
  });

  it("never takes an object's built-in names for routed hosts (the Worker's own resolver decides)", async () => {
    for (const host of ['constructor', 'hasownproperty', 'a.__proto__', 'tostring']) {
      const result = await explain(`https://${host}/x`);
      expect(result.status, host).toBe(2);
      expect(result.stdout, host).toContain(`none: no route in the table serves host ${host}`);
    }
  });

  it('applies the Worker path normalisation before matching', async () => {
    const out = (await explain('https://docs.example.com//guide/%61pi/../x')).stdout;
    expect(out).toMatch(/route +docs/);
    expect(out).toMatch(/result +proxied to https:\/\/docs\.example\.net\/guide\/x\n/);
  });

  it('answers 400, as the Worker does, for a path that only case separates from a more specific route', async () => {
    const out = (await explain('https://api.example.com/V2/x')).stdout;
    expect(out).toMatch(
      /result +400 bad_request answered by the router \(path safety\): The path reads as another route to origins that ignore case/,
    );
    expect(out).toContain('(not reached: the router answers first)');
    // Case that keeps the route is served as sent.
    expect((await explain('https://api.example.com/V1/x')).stdout).toMatch(
      /result +proxied to https:\/\/origin\.example\.net\/base\/V1\/x\n/,
    );
  });

  it('prints JSON with --json', async () => {
    const result = await explain(
      'api.example.com/v1',
      '--json',
      '-X',
      'OPTIONS',
      '-H',
      'Origin: https://tenant.example.org',
      '-H',
      'Access-Control-Request-Method: POST',
    );
    expect(result.status).toBe(0);
    const e = JSON.parse(result.stdout) as Explanation;
    expect(e.route?.id).toBe('api');
    expect(e.status).toBe(204);
    expect(e.decidedBy).toBe('CORS preflight');
    expect(e.cors?.allowOrigin).toBe('https://tenant.example.org');
    expect(e.cors?.preflight).toEqual({
      method: 'POST',
      headers: [],
      methodAllowed: true,
      headersAllowed: true,
    });
    expect(e.headers['access-control-allow-credentials']).toBe('true');
    expect(e.cache?.eligible).toBe(false);
  });

  it('exits 1 with a usage line on bad arguments, and with diagnostics on an invalid table', async () => {
    const none = await run('explain.ts', []);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('usage: npm run explain');
    expect((await explain('api.example.com/', '--header', 'no-colon')).status).toBe(1);
    const invalid = await run('explain.ts', ['api.example.com/', '--routes', fixture('invalid.yaml')]);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(/invalid\.yaml:\d+:\d+ +error +/);
  });

  it('hides every literal request header value unless the header is allow-listed, as plan does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'explain-redact-'));
    try {
      const file = join(dir, 'routes.yaml');
      writeFileSync(
        file,
        [
          'version: 1',
          'secrets: [KEY]',
          'routes:',
          '  - id: r',
          '    hosts: [r.example.com]',
          '    origin: https://o.example.net',
          '    headers:',
          '      request:',
          `        set: { X-Tenant: acme-literal-77, Authorization: "Bearer \${env.KEY}", Accept: application/json }`,
          '',
        ].join('\n'),
      );
      const result = await run('explain.ts', ['https://r.example.com/', '--routes', file]);
      expect(result.status).toBe(0);
      expect(result.stdout).not.toContain('acme-literal-77');
      expect(result.stdout).toContain('set x-tenant: (hidden)');
      expect(result.stdout).toContain(`set authorization: Bearer \${env.KEY}`);
      expect(result.stdout).toContain('set accept: application/json');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hides the same literals in the answer it prints, and in a failing route test', async () => {
    // A review found explain (text and --json) and route-test failures (also GitHub annotations)
    // printing a redirect target's query value and a literal response header value.
    const dir = mkdtempSync(join(tmpdir(), 'explain-answer-'));
    try {
      const file = join(dir, 'routes.yaml');
      writeFileSync(
        file,
        [
          'version: 1',
          'routes:',
          '  - id: go',
          '    hosts: [go.example.com]',
          '    redirect: { to: "https://partner.example/in?api_key=SEKRET1&lang=en" }',
          '  - id: app',
          '    hosts: [app.example.com]',
          '    origin: https://o.example.net',
          '    headers: { response: { set: { X-Internal-Token: SEKRET2 } } }',
          '',
        ].join('\n'),
      );
      writeFileSync(
        join(dir, 'routes.test.yaml'),
        [
          'cases:',
          '  - name: go',
          '    request: { url: "https://go.example.com/" }',
          '    expect: { location: "https://partner.example/in" }',
          '  - name: app',
          '    request: { url: "https://app.example.com/" }',
          '    expect: { headers: { x-internal-token: x } }',
          '',
        ].join('\n'),
      );
      for (const args of [
        ['https://go.example.com/'],
        ['https://go.example.com/', '--json'],
        ['https://app.example.com/', '--json'],
      ]) {
        const result = await run('explain.ts', [...args, '--routes', file]);
        expect(result.status, args.join(' ')).toBe(0);
        expect(result.stdout).not.toMatch(/SEKRET/);
      }
      const check = await run('check.ts', [file], { env: { ...process.env, GITHUB_ACTIONS: 'true' } });
      expect(check.status).toBe(1);
      expect(`${check.stdout}${check.stderr}`).toContain('api_key=(hidden)&lang=en');
      expect(`${check.stdout}${check.stderr}`).not.toMatch(/SEKRET/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
