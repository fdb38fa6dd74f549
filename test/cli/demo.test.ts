/**
 * `npm start` as a newcomer runs it: start the demo on free ports, paste every curl line it
 * prints into a shell, check each answer, then Ctrl-C and check that nothing is left running.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/serve/local-router.ts';
import { groupMembers, portClosed, runScript, type Script, wranglerGroup } from './serve-helpers.ts';

const run = promisify(execFile);

interface Printed {
  title: string;
  command: string;
}

/** The `# title` + command pairs the demo prints. */
function printedRequests(output: string): Printed[] {
  const lines = output.split('\n').map((line) => line.trim());
  const out: Printed[] = [];
  lines.forEach((line, i) => {
    const next = lines[i + 1] ?? '';
    if (line.startsWith('# ') && /^(curl|for) /.test(next)) out.push({ title: line.slice(2), command: next });
  });
  return out;
}

/**
 * Runs a printed curl line. In a few fresh-clone runs on a loaded 2-core machine, one request
 * to a wrangler dev router got no answer at all for 30 s (the router's own 10 s timeout never
 * answered, so it was held outside the Worker, by wrangler's dev proxy); such a request is sent
 * once more, and a second silence fails with the demo's last output lines.
 */
async function curlPrinted(command: string, demo: Script): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await run('sh', ['-c', command], { timeout: 30_000 })).stdout;
    } catch (error) {
      const silent = (error as { killed?: boolean }).killed === true;
      if (!silent || attempt === 2) {
        const tail = demo.output().split('\n').slice(-30).join('\n');
        throw new Error(`${command} failed (attempt ${attempt}): ${(error as Error).message}\n${tail}`);
      }
    }
  }
}

/** Splits `curl -i` output into the status, lower-cased headers and body of the last response. */
function parseCurl(stdout: string): { status: number; headers: Record<string, string>; body: string } {
  const split = stdout.indexOf('\r\n\r\n');
  const head = split < 0 ? stdout : stdout.slice(0, split);
  const body = split < 0 ? '' : stdout.slice(split + 4);
  const [statusLine = '', ...rest] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of rest) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/** What each printed line must show, by a word of its title. */
const expectations: Array<[RegExp, (stdout: string) => void]> = [
  [
    /^Proxied echo/,
    (stdout) => {
      const { status, body } = parseCurl(stdout);
      expect(status).toBe(200);
      const echo = JSON.parse(body);
      expect(echo).toMatchObject({ origin: 'demo origin', method: 'GET', path: '/hello', query: '?lang=en' });
      expect(echo.headers['x-forwarded-host']).toBe('www.localhost');
    },
  ],
  [
    /^strip_prefix/,
    (stdout) => {
      const { status, headers, body } = parseCurl(stdout);
      expect(status).toBe(200);
      expect(headers['x-served-by']).toBe('edge-router demo');
      expect(JSON.parse(body).users[0]).toEqual({ id: 1, name: 'Ada Lovelace' });
    },
  ],
  [
    /^A POST/,
    (stdout) => {
      const { status, headers, body } = parseCurl(stdout);
      expect(status).toBe(201);
      expect(JSON.parse(body)).toEqual({ id: 3, name: 'Alan Turing' });
      // The origin said /api/users/3; the client sees the public path.
      expect(headers.location).toBe('/v1/users/3');
    },
  ],
  [
    /^CORS preflight/,
    (stdout) => {
      const { status, headers } = parseCurl(stdout);
      expect(status).toBe(204);
      expect(headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(headers['access-control-allow-methods']).toBe('GET, POST');
      expect(headers['access-control-max-age']).toBe('600');
    },
  ],
  [
    /^Edge cache/,
    (stdout) => {
      expect(stdout.trim().split(/\r?\n/)).toEqual(['x-cache: MISS', 'x-cache: HIT']);
    },
  ],
  [
    /^Redirect/,
    (stdout) => {
      const { status, headers } = parseCurl(stdout);
      expect(status).toBe(301);
      expect(headers.location).toBe('https://www.example.com/blog/post?id=7');
    },
  ],
  [
    /^Timeout/,
    (stdout) => {
      const { status, body } = parseCurl(stdout);
      expect(status).toBe(504);
      expect(JSON.parse(body).error).toBe('gateway_timeout');
    },
  ],
  [
    /^No route/,
    (stdout) => {
      const { status, headers, body } = parseCurl(stdout);
      expect(status).toBe(404);
      expect(headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(body)).toMatchObject({ error: 'no_route' });
    },
  ],
  [
    /^Staging/,
    (stdout) => {
      const { status, headers, body } = parseCurl(stdout);
      expect(status).toBe(200);
      expect(headers['x-served-by']).toBe('edge-router demo (staging)');
      expect(JSON.parse(body).users[0]).toEqual({ id: 1, name: 'Ada Lovelace' });
    },
  ],
];

let demo: Script | undefined;
const outDir = mkdtempSync(join(tmpdir(), 'demo-test-'));

afterAll(() => {
  demo?.kill(join(outDir, 'production'), join(outDir, 'staging'));
  rmSync(outDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('prints curl lines that work, and Ctrl-C stops the router and the origin', {
    timeout: 240_000,
  }, async () => {
    const port = await freePort();
    let originPort = await freePort();
    while (originPort === port) originPort = await freePort();
    let stagingPort = await freePort();
    while (stagingPort === port || stagingPort === originPort) stagingPort = await freePort();
    const ports = [
      '--port',
      String(port),
      '--staging-port',
      String(stagingPort),
      '--origin-port',
      String(originPort),
    ];
    demo = runScript('start', [...ports, '--out', outDir]);
    await demo.waitFor('Ctrl-C stops everything.');

    const printed = printedRequests(demo.output());
    expect(printed.map((p) => p.title)).toHaveLength(expectations.length);
    for (const { title, command } of printed) {
      expect(command).toContain(`http://127.0.0.1:${title.startsWith('Staging') ? stagingPort : port}/`);
      expect(command).toMatch(/-H 'Host: [a-z.]+localhost'/);
    }
    for (const [pattern, check] of expectations) {
      const line = printed.find((p) => pattern.test(p.title));
      expect(line, `a printed line for ${pattern}`).toBeDefined();
      const stdout = await curlPrinted(line?.command ?? '', demo);
      try {
        check(stdout);
      } catch (error) {
        throw new Error(`${line?.command}\n${stdout}\n${(error as Error).message}`);
      }
    }
    // The router logged each request as a JSON line.
    expect(demo.output()).toMatch(/\[router\] \{"request_id":"[^"]+","route":"api"/);

    const group = wranglerGroup(join(outDir, 'production'));
    expect(wranglerGroup(join(outDir, 'staging')), 'the staging router').toBeDefined();
    expect(group, 'the wrangler process group').toBeDefined();
    expect(groupMembers(group ?? 0).length).toBeGreaterThan(0);

    await demo.interrupt();
    expect(demo.output()).toContain('Stopped.');
    // Before stopping, the requests above summed up per route: the table `npm run stats` prints.
    const table = demo
      .output()
      .split('Requests per route since the router started:\n\n')[1]
      ?.split('\n\n')[0];
    const rows = Object.fromEntries((table ?? '').split('\n').map((l) => [l.split(/\s+/)[0], l]));
    expect(Object.keys(rows)).toEqual(['ROUTE', '(none)', 'api', 'assets', 'old-site', 'site', 'slow']);
    const requests = (route: string) => rows[route]?.split(/\s+/)[1];
    // api: three requests to production, one to staging.
    expect(['(none)', 'api', 'assets', 'old-site', 'site', 'slow'].map(requests)).toEqual([
      '1',
      '4',
      '2',
      '1',
      '1',
      '1',
    ]);
    expect(rows.assets).toContain('50.0%'); // MISS then HIT
    expect(rows.slow).toContain('gateway_timeout 1');
    expect(rows['(none)']).toContain('no_route 1');
    expect(groupMembers(group ?? 0)).toEqual([]);
    expect(await portClosed(port)).toBe(true);
    expect(await portClosed(stagingPort)).toBe(true);
    expect(await portClosed(originPort)).toBe(true);
  });
});
