/**
 * `npm run logs` on a recorded `wrangler tail --format json` stream (test/cli/fixtures/
 * wrangler-tail.txt, in the shape wrangler 4 prints: one pretty-printed trace event after
 * another, the router's line a console.log'd JSON string): only the router's own lines come out,
 * exactly as logged, filtered by route, status, host or request id.
 */
import { execFile } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonValues, routerLines } from '../../scripts/logs/tail-events.ts';
import { main, tailArguments } from '../../scripts/logs.ts';
import { runCommand } from './in-process.ts';
import { fixture, root } from './run-cli.ts';

const FIXTURE = fixture('wrangler-tail.txt');
const recorded = readFileSync(FIXTURE, 'utf8');
const logs = (args: string[]) => runCommand(main, ['--file', FIXTURE, ...args]);
/** The request ids of the printed lines, in order. */
const ids = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).request_id);

const ALL = [
  '3b7d6c1e-2f4a-4b8e-9c1d-5e6f7a8b9c0d', // api 200
  '8c2f1a0b-9d3e-4f5a-8b6c-7d8e9f0a1b2c', // api 502 bad_gateway
  'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b', // no route, 404
  'client-req-12345678', // site 200 HIT
  '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d', // site 504
  '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f', // api 200 after failover
];

async function collect<T>(values: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of values) out.push(value);
  return out;
}

/** The recorded text, cut into pieces of `size` characters, as a pipe may deliver it. */
async function* pieces(size: number): AsyncGenerator<string> {
  for (let i = 0; i < recorded.length; i += size) yield recorded.slice(i, i + size);
}

describe('reading wrangler tail --format json', () => {
  it('splits the stream into its events however the pipe cuts it', async () => {
    const whole = await collect(jsonValues(pieces(recorded.length)));
    expect(whole).toHaveLength(7);
    expect(whole.map((e) => (e as { event: { request: { method: string } } }).event.request.method)).toEqual([
      'GET',
      'POST',
      'GET',
      'GET',
      'GET',
      'GET',
      'GET',
    ]);
    for (const size of [1, 7, 4096]) expect(await collect(jsonValues(pieces(size)))).toEqual(whole);
  });

  it('skips text between events that is not JSON', async () => {
    async function* noisy() {
      yield 'Connected to edge-router, waiting for logs...\n';
      yield recorded.slice(0, 300);
      yield recorded.slice(300);
      yield 'Tail disconnected, exiting.\n';
    }
    expect(await collect(jsonValues(noisy()))).toHaveLength(7);
  });

  it('a { or " in that text does not swallow the events after it', async () => {
    const events = recorded.split(/\n(?=\{)/);
    async function* noisy() {
      yield `${events[0]}\n`;
      yield '▲ [WARNING] The binding {METRICS is unused\n';
      yield `${events[1]}\n`;
      yield '{"unfinished line\n';
      yield `${events.slice(2).join('\n')}\n`;
    }
    expect(await collect(jsonValues(noisy()))).toEqual(await collect(jsonValues(pieces(recorded.length))));
  });

  it("keeps only the router's own lines: not other logs, not exceptions", async () => {
    const events = await collect(jsonValues(pieces(recorded.length)));
    const lines = events.flatMap(routerLines);
    expect(lines.map((l) => l.record.request_id)).toEqual(ALL);
    expect(routerLines(events[4])).toEqual([]);
    // The text is the line exactly as the Worker logged it.
    const first = (events[0] as { logs: Array<{ message: string[] }> }).logs[0]?.message[0];
    expect(lines[0]?.text).toBe(first);
  });
});

describe('npm run logs -- --file', () => {
  it('prints every router line, one per line, as logged', async () => {
    const { status, stdout } = await logs([]);
    expect(status).toBe(0);
    expect(ids(stdout)).toEqual(ALL);
    expect(stdout.split('\n')[0]).toBe(
      '{"request_id":"3b7d6c1e-2f4a-4b8e-9c1d-5e6f7a8b9c0d","route":"api","host":"api.example.com","method":"GET","path":"/v1/users","status":200,"duration_ms":41,"cache":"BYPASS","origin":"https://origin-a.example.net","origin_status":200,"tries":1,"error":null}',
    );
  });

  it('filters by route, status (exact or class), host, and all of them at once', async () => {
    const [a, b, c, d, e, f] = ALL;
    expect(ids((await logs(['--route', 'api'])).stdout)).toEqual([a, b, f]);
    expect(ids((await logs(['--status', '5xx'])).stdout)).toEqual([b, e]);
    expect(ids((await logs(['--status', '404'])).stdout)).toEqual([c]);
    expect(ids((await logs(['--status', '2xx'])).stdout)).toEqual([a, d, f]);
    expect(ids((await logs(['--host', 'WWW.example.com'])).stdout)).toEqual([d, e]);
    expect(
      ids((await logs(['--route', 'site', '--status', '5xx', '--host', 'www.example.com'])).stdout),
    ).toEqual([e]);
    expect((await logs(['--route', 'nope'])).stdout).toBe('');
  });

  it('--request-id finds the one line of that request', async () => {
    const found = await logs(['--request-id', 'client-req-12345678']);
    expect(found.status).toBe(0);
    expect(ids(found.stdout)).toEqual(['client-req-12345678']);
    expect(JSON.parse(found.stdout)).toMatchObject({ route: 'site', cache: 'HIT', status: 200 });

    const missing = await logs(['--request-id', 'ffffffff-0000-4000-8000-000000000000']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no log line for request ffffffff-0000-4000-8000-000000000000');
  });

  it('refuses filters it cannot apply, naming the flag', async () => {
    for (const args of [
      ['--status', '5x'],
      ['--status', '600'],
      ['--route', 'Not A Route'],
      ['--host', 'a b'],
      ['--request-id', 'short'],
      ['--since', '1h'],
    ]) {
      const { status, stderr } = await logs(args);
      expect(status, args.join(' ')).toBe(1);
      // The first line is the error; the usage after it lists every flag anyway.
      expect(stderr.split('\n')[0]).toContain(args[0]);
    }
  });

  it('names a capture it cannot read', async () => {
    const { status, stderr } = await runCommand(main, ['--file', 'no-such-capture.json']);
    expect(status).toBe(1);
    expect(stderr).toContain('no-such-capture.json');
  });
});

describe('tailing the deployed Worker', () => {
  it('runs wrangler tail on the Worker with JSON output, and lets Cloudflare search for a request id', () => {
    const worker = {
      name: 'edge-router',
      environment: 'production',
      config: '/repo/wrangler.toml',
      dataset: 'edge_router',
      accountId: undefined,
    };
    expect(tailArguments(worker, {})).toEqual([
      'tail',
      'edge-router',
      '--format',
      'json',
      '--config',
      '/repo/wrangler.toml',
    ]);
    expect(tailArguments(worker, { requestId: 'client-req-12345678' }).slice(-2)).toEqual([
      '--search',
      'client-req-12345678',
    ]);
  });

  it('npm run logs reads a capture piped on stdin', async () => {
    const child = execFile('npm', ['run', '--silent', 'logs', '--', '--file', '-', '--status', '5xx'], {
      cwd: root,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    createReadStream(FIXTURE).pipe(child.stdin as NodeJS.WritableStream);
    const stdout = await new Promise<string>((done, fail) => {
      let text = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        text += chunk;
      });
      child.once('close', (code) => (code === 0 ? done(text) : fail(new Error(`exit ${code}`))));
    });
    expect(ids(stdout)).toEqual([ALL[1], ALL[4]]);
  });
});
