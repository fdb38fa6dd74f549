/**
 * `npm run smoke` against the real dev server (`wrangler dev` over a built table, started once for
 * the whole file) and a real local origin: the cases of a route test file go over HTTP, the debug
 * token lets route and upstream be checked, and a failing case is reported like `check` reports
 * one (FILE:LINE:COL, the request, expected vs actual).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processIo } from '../../scripts/cli/io.ts';
import {
  buildLocalRouter,
  freePort,
  type RunningRouter,
  startWrangler,
} from '../../scripts/serve/local-router.ts';
import { type Origin, startOrigin } from '../origin/server.ts';
import { run } from './run-cli.ts';

const TOKEN = 'smoke-debug-token-6c0e';
const dir = mkdtempSync(join(tmpdir(), 'smoke-test-'));
const routesFile = join(dir, 'routes.yaml');
let origin: Origin;
let deadPort: number;
let router: RunningRouter | undefined;

const routes = (port: number) => `version: 1
routes:
  - id: api
    hosts: [api.smoke.test]
    path: /v1
    strip_prefix: true
    origin: http://127.0.0.1:${port}/echo/api
    cors: { origins: ["https://app.example.com"] }
  - id: old
    hosts: [old.smoke.test]
    redirect: { to: "https://new.smoke.test", status: 308 }
  - id: down
    hosts: [down.smoke.test]
    origin: http://127.0.0.1:${deadPort}
    timeout: 2s
`;

const PASSING = `version: 1
cases:
  - name: GET is proxied with the prefix stripped
    request: { url: "https://api.smoke.test/v1/users?page=2" }
    expect: { route: api, status: proxied, upstream: "http://127.0.0.1:ORIGIN/echo/api/users?page=2" }
  - name: a preflight is answered by the router
    request:
      url: https://api.smoke.test/v1/users
      method: OPTIONS
      headers: { Origin: "https://app.example.com", Access-Control-Request-Method: GET }
    expect: { route: api, status: 204, headers: { access-control-allow-origin: "https://app.example.com" } }
  - name: a redirect keeps the path
    request: { url: "https://old.smoke.test/a?b=1" }
    expect: { route: old, status: 308, location: "https://new.smoke.test/a?b=1" }
  - name: an unknown host is no_route
    request: { url: "https://nobody.smoke.test/" }
    expect: { route: null, status: 404, error: no_route }
`;

const FAILING = `version: 1
cases:
  - name: expects the wrong route and upstream
    request: { url: "https://api.smoke.test/v1/x" }
    expect: { route: old, upstream: "http://127.0.0.1:ORIGIN/elsewhere" }
  - name: an origin that is down is not proxied
    request: { url: "https://down.smoke.test/" }
    expect: { status: proxied }
`;

beforeAll(async () => {
  origin = await startOrigin(0, 'smoke-origin');
  deadPort = await freePort();
  const text = routes(origin.port);
  writeFileSync(routesFile, text);
  writeFileSync(join(dir, 'routes.test.yaml'), PASSING.replace('ORIGIN', String(origin.port)));
  writeFileSync(join(dir, 'failing.test.yaml'), FAILING.replace('ORIGIN', String(origin.port)));
  writeFileSync(join(dir, 'dev.vars'), `ROUTER_DEBUG_TOKEN=${TOKEN}\n`);
  const outDir = join(dir, 'out');
  const quiet = { ...processIo(), out: () => undefined, err: () => undefined };
  if (!buildLocalRouter(routesFile, text, outDir, 'smoke-test', undefined, quiet).analysis.table)
    throw new Error('build failed');
  router = await startWrangler({ outDir, port: await freePort(), envFile: join(dir, 'dev.vars') });
}, 180_000);

afterAll(async () => {
  await router?.stop();
  await origin?.close();
  rmSync(dir, { recursive: true, force: true });
});

const smoke = (args: string[], token: string | null = TOKEN) =>
  run('smoke.ts', ['--base', router?.url ?? '', '--host-header', '--routes', routesFile, ...args], {
    env: { ROUTER_DEBUG_TOKEN: token ?? '' },
  });

describe('npm run smoke against wrangler dev', () => {
  it('passes every case, with route and upstream checked through the debug headers', async () => {
    const result = await smoke([]);
    expect(result.stderr).toContain(
      `routes.test.yaml: all 4 cases pass against ${router?.url} (Host header from each case)`,
    );
    expect(result.stderr).not.toContain('not checked');
    expect(result.status).toBe(0);
  });

  it('without the debug token, checks what it can and says what it could not', async () => {
    const result = await smoke([], null);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('warning: route and upstream expectations of 4 cases not checked');
  });

  it('reports a failing case like check: where it is, the request, expected vs actual', async () => {
    const failing = join(dir, 'failing.test.yaml');
    const result = await smoke(['--tests', failing]);
    expect(result.status).toBe(1);
    const text = readFileSync(failing, 'utf8').split('\n');
    const line = (name: string) => text.findIndex((l) => l.includes(name)) + 1;
    expect(result.stderr).toContain(
      `${failing}:${line('expects the wrong route')}:5  FAIL  expects the wrong route and upstream\n    GET https://api.smoke.test/v1/x\n`,
    );
    expect(result.stderr).toMatch(/ {4}route {5}expected "old" +actual "api"\n/);
    expect(result.stderr).toContain(
      `upstream  expected "http://127.0.0.1:${origin.port}/elsewhere"  actual "http://127.0.0.1:${origin.port}/echo/api/x"`,
    );
    expect(result.stderr).toContain(`${failing}:${line('an origin that is down')}:5  FAIL`);
    expect(result.stderr).toMatch(/status {4}expected "proxied" +actual 502 \(bad_gateway\)/);
    expect(result.stderr).toContain('(the router answered bad_gateway:');
    expect(result.stderr).toContain(`${failing}: 2 of 2 cases failed against ${router?.url}`);
  });

  it('checks which version answered', async () => {
    const result = await smoke(['--expect-version', 'not-this-version']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/version +expected "not-this-version" +actual "/);
  });

  it('refuses bad arguments with the flag named', async () => {
    const noBase = await run('smoke.ts', ['--host-header', '--routes', routesFile]);
    expect(noBase.status).toBe(1);
    expect(noBase.stderr).toContain('--host-header needs --base');
    const badBase = await run('smoke.ts', ['--base', 'not a url', '--routes', routesFile]);
    expect(badBase.stderr).toContain('--base: "not a url" is not a URL');
    const badHeader = await run('smoke.ts', ['--header', 'nocolon', '--routes', routesFile]);
    expect(badHeader.stderr).toContain('--header: "nocolon" is not "Name: value"');
  });
});
