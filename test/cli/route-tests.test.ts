/**
 * Route tests (routes.test.yaml) through the real `check` CLI: passing cases, failures printed
 * as expected vs actual with exit 1, the coverage report and --require-coverage, positioned
 * errors for a bad test file. All on fixtures: the live routes.yaml and routes.test.yaml are
 * checked by `npm run check` (CI runs it), not by the test suite.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, run } from './run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'route-tests-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A folder holding the fixture table as routes.yaml and `tests` as routes.test.yaml. */
function project(name: string, tests: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(fixture('routes.yaml'), join(dir, 'routes.yaml'));
  writeFileSync(join(dir, 'routes.test.yaml'), tests);
  return join(dir, 'routes.yaml');
}

/** LINE:COL of the case named `name` (its `- name:` item starts at column 5). */
function caseAt(tests: string, name: string): string {
  return `${tests.split('\n').indexOf(`  - name: ${name}`) + 1}:5`;
}

/** Cases that reach every route of the fixture, all correct. */
const ALL_PASS = `version: 1
cases:
  - name: api GET is proxied with the base path
    request:
      url: https://api.example.com/users?q=1
      headers: { Origin: https://app.example.com }
    expect:
      route: api
      status: proxied
      upstream: https://origin.example.net/base/users?q=1
      headers:
        access-control-allow-origin: https://app.example.com
        access-control-allow-credentials: "true"
        vary: Origin
        x-cache: MISS
        x-frame-options: DENY
  - name: api refuses DELETE with 405
    request: { url: https://api.example.com/users, method: DELETE }
    expect: { status: 405, error: method_not_allowed, headers: { allow: "GET, HEAD, POST" } }
  - name: v2 strips its prefix
    request:
      url: https://api.example.com/v2/items
      headers: { CF-Connecting-IP: 203.0.113.9 }
    expect: { route: api-v2, upstream: https://v2-a.example.net/items, headers: { x-cache: BYPASS } }
  - name: v2 refuses other addresses
    request:
      url: https://api.example.com/v2/items
      headers: { CF-Connecting-IP: 198.51.100.1 }
    expect: { route: api-v2, status: 403, error: forbidden }
  - name: docs under its prefix
    request: { url: https://docs.example.com/guide/intro }
    expect: { route: docs, upstream: https://docs.example.net/guide/intro }
  - name: www redirects with the path
    request: { url: https://www.example.com/a?b=1 }
    expect: { route: www, status: 308, location: https://example.com/a?b=1 }
  - name: a tenant on the wildcard
    request: { url: https://acme.shop.example.co.uk/cart }
    expect: { route: tenants, upstream: https://tenants.example.net/cart }
  - name: unknown host
    request: { url: https://nope.example.com/ }
    expect: { route: null, status: 404, error: no_route }
  - name: TRACE is refused on a route that allows any method
    request: { url: https://acme.shop.example.co.uk/cart, method: TRACE }
    expect: { route: tenants, status: 405, error: method_not_allowed }
`;

describe('route tests in check', () => {
  it('runs every case after a clean check and exits 0 when all pass and every route is reached', async () => {
    const result = await run('check.ts', [project('pass', ALL_PASS), '--require-coverage']);
    expect(result.stderr).toContain('routes.yaml: OK, 5 routes on 4 hosts');
    expect(result.stderr).toContain('routes.test.yaml: all 9 cases pass; cases reach 5 of 5 routes');
    expect(result.stderr).not.toContain('FAIL');
    expect(result.status).toBe(0);
  });

  it('prints each failure as expected vs actual at the case position, and exits 1', async () => {
    const tests = `version: 1
cases:
  - name: wrong route and upstream
    request: { url: https://api.example.com/users }
    expect:
      route: api-v2
      upstream: https://origin.example.net/users
  - name: preflight with a header the policy lacks
    request:
      url: https://api.example.com/users
      method: OPTIONS
      headers:
        Origin: https://app.example.com
        Access-Control-Request-Method: POST
        Access-Control-Request-Headers: X-Custom
    expect:
      status: 204
      headers: { access-control-allow-origin: https://app.example.com, x-cache: null }
  - name: this one passes
    request: { url: https://nope.example.com/ }
    expect: { route: null }
  - name: a proxied request has no status of its own
    request: { url: https://docs.example.com/guide }
    expect: { status: 200 }
`;
    const file = project('fail', tests);
    const result = await run('check.ts', [file]);
    expect(result.status).toBe(1);
    const testFile = join(tmp, 'fail', 'routes.test.yaml');
    const err = result.stderr;
    // Each failed case: FILE:LINE:COL of the case, the request, then one line per field.
    expect(err).toContain(
      `${testFile}:${caseAt(tests, 'wrong route and upstream')}  FAIL  wrong route and upstream`,
    );
    expect(err).toContain('    GET https://api.example.com/users\n');
    expect(err).toMatch(/ {4}route +expected "api-v2" +actual "api"\n/);
    expect(err).toMatch(
      / {4}upstream +expected "https:\/\/origin\.example\.net\/users" +actual "https:\/\/origin\.example\.net\/base\/users"\n/,
    );

    expect(err).toContain(
      `${testFile}:${caseAt(tests, 'preflight with a header the policy lacks')}  FAIL  preflight with a header the policy lacks`,
    );
    expect(err).toMatch(/ {4}status +expected 204 +actual 403\n/);
    expect(err).toMatch(
      / {4}access-control-allow-origin +expected "https:\/\/app\.example\.com" +actual \(absent\)/,
    );
    expect(err).toContain('(the router answered forbidden: CORS preflight refused');
    expect(err).not.toContain('this one passes');
    expect(err).toMatch(
      /FAIL {2}a proxied request has no status of its own\n.*\n {4}status +expected 200 +actual "proxied"\n/,
    );
    expect(err).toContain('routes.test.yaml: 3 of 4 cases failed');
  });

  it('reports routes no case reaches, as warnings with their position in routes.yaml; errors under --require-coverage', async () => {
    const tests = `version: 1
cases:
  - request: { url: https://api.example.com/ }
    expect: { route: api }
  - request: { url: https://www.example.com/ }
    expect: { route: www }
`;
    const file = project('coverage', tests);
    const source = readFileSync(file, 'utf8').split('\n');
    const position = (id: string) => {
      const line = source.findIndex((l) => l.includes(`- id: ${id}`));
      return `${line + 1}:${(source[line] as string).indexOf(id) + 1}`;
    };
    const warned = await run('check.ts', [file]);
    expect(warned.status).toBe(0);
    for (const id of ['api-v2', 'docs', 'tenants']) {
      expect(warned.stderr).toContain(
        `${file}:${position(id)}  warning  no route test reaches route "${id}"`,
      );
    }
    expect(warned.stderr).not.toContain('reaches route "api"');
    expect(warned.stderr).not.toContain('reaches route "www"');
    expect(warned.stderr).toContain('all 2 cases pass; cases reach 2 of 5 routes');

    const required = await run('check.ts', [file, '--require-coverage']);
    expect(required.status).toBe(1);
    expect(required.stderr).toContain(
      `${file}:${position('docs')}  error  no route test reaches route "docs"`,
    );
  });

  it('checks the test file like routes.yaml: every error at once, at its line and column', async () => {
    const tests = `version: 1
cases:
  - request: { url: /relative, methd: GET }
    expect: { route: api }
  - request: { url: /relative }
    expect: { route: apii, upstream: nope }
  - request: { url: https://api.example.com/ }
    expect: { status: 99 }
  - request: { url: https://api.example.com/ }
    expect: {}
`;
    const file = project('invalid', tests);
    const testFile = join(tmp, 'invalid', 'routes.test.yaml');
    const result = await run('check.ts', [file]);
    expect(result.status).toBe(1);
    const headers = result.stderr.split('\n').filter((l) => l.startsWith(`${testFile}:`));
    expect(headers).toEqual([
      expect.stringMatching(/:3:\d+ {2}error {2}cases\[0\]\.request: unknown key "methd"$/),
      expect.stringMatching(
        /:5:\d+ {2}error {2}cases\[1\]\.request\.url: "\/relative" must be an absolute http\(s\) URL/,
      ),
      expect.stringMatching(
        /:6:\d+ {2}error {2}cases\[1\]\.expect\.route: "apii" is not a route id in the table \(did you mean "api"/,
      ),
      expect.stringMatching(
        /:6:\d+ {2}error {2}cases\[1\]\.expect\.upstream: "nope" must be an absolute URL/,
      ),
      expect.stringMatching(
        /:8:\d+ {2}error {2}cases\[2\]\.expect\.status: must be "proxied" or an HTTP status/,
      ),
      expect.stringMatching(/:10:5 {2}error {2}cases\[3\]\.expect: expect at least one of/),
      expect.stringMatching(/routes\.test\.yaml: 6 errors; route tests not run$/),
    ]);
    expect(result.stderr).toContain('route tests not run');
  });

  it('fails when an explicit --tests file does not exist, and says so when the default one is absent', async () => {
    const missing = await run('check.ts', [fixture('routes.yaml'), '--tests', join(tmp, 'nope.yaml')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('nope.yaml: no such file');
    const absent = await run('check.ts', [fixture('routes.yaml')]);
    expect(absent.status).toBe(0);
    expect(absent.stderr).toContain('routes.test.yaml: not found, no route tests run');
  });
});
