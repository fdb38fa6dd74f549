/**
 * What a smoke test puts on the wire and what it takes as the router's answer, against a raw
 * local server that records each request and answers as told: the Host header always goes, the
 * debug token only where it cannot be read on the way, an answer the router did not make is
 * never "proxied", and a failure hides what routes.yaml holds, as check does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../scripts/cli/io.ts';
import type { RouteTestCase } from '../../scripts/cli/route-test-file.ts';
import { compileConfig } from '../../scripts/compiler/compile.ts';
import { mayCarryToken, runSmoke, type SmokeOptions } from '../../scripts/smoke/run.ts';

const TOKEN = 'wire-debug-token-1f2e';
let server: Server;
let base: URL;
/** The raw head of each request the server got. */
const seen: Array<Record<string, string>> = [];
/** What the server answers next: status and headers. */
let answer: { status: number; headers: Record<string, string> } = { status: 200, headers: {} };

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])));
    res.writeHead(answer.status, answer.headers);
    res.end('<html>not the router</html>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

function testCase(url: string, expect: RouteTestCase['expect']): RouteTestCase {
  return {
    name: 'a case',
    line: 3,
    col: 5,
    env: null,
    request: { method: 'GET', url, headers: [] },
    expect,
  } as RouteTestCase;
}

async function smoke(options: Omit<SmokeOptions, 'file'>): Promise<{ failed: number; text: string }> {
  const lines: string[] = [];
  const io = {
    cwd: process.cwd(),
    env: {},
    out: (t: string) => lines.push(t),
    err: (t: string) => lines.push(t),
  };
  const report = await runSmoke({ file: 'routes.test.yaml', ...options }, io as unknown as Io);
  return { failed: report.failed, text: lines.join('\n') };
}

describe('smoke on the wire', () => {
  it("sends the case's Host to its own URL: without one no server would route the request", async () => {
    answer = { status: 200, headers: { 'x-request-id': 'r1' } };
    seen.length = 0;
    const result = await smoke({ cases: [testCase(`${base.origin}/ping`, { status: 'proxied' })] });
    expect(result.failed, result.text).toBe(0);
    expect(seen[0]?.host).toBe(base.host);
  });

  it('never takes an answer the router did not make (no x-request-id) as proxied', async () => {
    answer = { status: 400, headers: { 'content-type': 'text/html' } };
    const result = await smoke({ cases: [testCase(`${base.origin}/ping`, { status: 'proxied' })] });
    expect(result.failed).toBe(1);
    expect(result.text).toMatch(/status +expected "proxied" +actual 400/);
  });

  it('with the token sent, fails an answer without the debug headers whatever the case expects (a Worker that throws: the edge answers 500)', async () => {
    answer = { status: 500, headers: { 'x-request-id': 'r2' } };
    seen.length = 0;
    const result = await smoke({ cases: [testCase(`${base.origin}/ping`, { status: 500 })], token: TOKEN });
    expect(seen[0]?.['x-router-debug']).toBe(TOKEN);
    expect(result.failed).toBe(1);
    expect(result.text).toMatch(
      /answer +expected the router's debug headers \(the token was sent\) +actual 500 without them/,
    );
  });

  it('sends the debug token only over https or to this machine', () => {
    expect(mayCarryToken(new URL('https://api.example.com/'))).toBe(true);
    expect(mayCarryToken(new URL('http://127.0.0.1:8787/'))).toBe(true);
    expect(mayCarryToken(new URL('http://[::1]:8787/'))).toBe(true);
    expect(mayCarryToken(new URL('http://localhost:8787/'))).toBe(true);
    expect(mayCarryToken(new URL('http://api.example.com/'))).toBe(false);
    expect(mayCarryToken(new URL('http://10.0.0.1/'))).toBe(false);
  });

  it('hides in a failure what routes.yaml holds: a header the route sets from a var', async () => {
    const table = compileConfig({
      version: 1,
      vars: { EDGE_KEY: 'sk_live_THE_SECRET' },
      routes: [
        {
          id: 'api',
          hosts: ['api.example.com'],
          origin: 'https://o.example.net',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a routes.yaml reference, not JavaScript
          headers: { response: { set: { 'X-Edge-Key': '${env.EDGE_KEY}' } } },
        },
      ],
    } as never);
    answer = { status: 200, headers: { 'x-request-id': 'r3', 'x-edge-key': 'sk_live_THE_SECRET' } };
    const result = await smoke({
      cases: [testCase('https://api.example.com/ping', { headers: { 'x-edge-key': 'other' } })],
      table,
      base,
      hostHeader: true,
    });
    expect(result.failed).toBe(1);
    expect(result.text).not.toContain('sk_live_THE_SECRET');
    expect(result.text).toContain('(hidden)');
  });
});
