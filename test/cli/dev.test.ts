/**
 * The edit loop: `npm run dev -- FILE` serves a route file, picks up a valid edit (the new
 * route answers), and on an invalid edit prints check's FILE:LINE:COL errors while the last
 * good build keeps serving. Ctrl-C leaves nothing running.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/serve/local-router.ts';
import { type Origin, startOrigin } from '../origin/server.ts';
import {
  eventually,
  get,
  getWithin,
  groupMembers,
  portClosed,
  postChunked,
  runScript,
  type Script,
  wranglerGroup,
} from './serve-helpers.ts';

let origin: Origin;
let dev: Script | undefined;
const dir = mkdtempSync(join(tmpdir(), 'dev-test-'));
const file = join(dir, 'routes.yaml');
const outDir = join(dir, 'out');

beforeAll(async () => {
  origin = await startOrigin(0, 'dev-origin');
});

afterAll(async () => {
  dev?.kill(outDir);
  await origin?.close();
  rmSync(dir, { recursive: true, force: true });
});

const route = (id: string, host: string, extra = '') =>
  [`  - id: ${id}`, `    hosts: [${host}]`, `    origin: http://127.0.0.1:${origin.port}/echo/${id}`, extra]
    .filter(Boolean)
    .join('\n');

describe('npm run dev', () => {
  it('rebuilds on a valid edit and keeps the last good build on an invalid one', {
    timeout: 240_000,
  }, async () => {
    const small = route('small', 'small.test', '    max_body: 1kb');
    writeFileSync(file, ['version: 1', 'routes:', route('one', 'one.test'), small, ''].join('\n'));
    const port = await freePort();
    dev = runScript('dev', [file, '--port', String(port), '--out', outDir, '--stats-every', '1s']);
    await dev.waitFor('Ctrl-C stops it.');

    // A chunked upload over max_body: 413, and the next request on any route is not held up
    // (the refused body used to stay unread, and the next request waited 20 s or more).
    for (let i = 0; i < 2; i++) {
      expect((await postChunked(port, 'small.test', '/up', 64 * 1024)).status).toBe(413);
      expect((await getWithin(port, 'one.test', '/after', 5_000)).status).toBe(200);
    }

    const one = await get(port, 'one.test', '/a?b=1');
    expect(one.status).toBe(200);
    // --stats-every: the per-route table comes back on its own, with these three requests in it.
    await dev.waitFor(/^one +3 +0\.0% +0\.0% /m, 30_000);
    expect(JSON.parse(one.body).url).toBe('/echo/one/a?b=1');
    expect((await get(port, 'two.test', '/')).status).toBe(404);

    // A valid edit: a new route, served after wrangler reloads.
    writeFileSync(
      file,
      ['version: 1', 'routes:', route('one', 'one.test'), small, route('two', 'two.test'), ''].join('\n'),
    );
    await eventually(async () => expect((await get(port, 'two.test', '/b')).status).toBe(200));
    expect(JSON.parse((await get(port, 'two.test', '/b')).body).url).toBe('/echo/two/b');
    await dev.waitFor('Rebuilt: the router reloads with the new table.');

    // An invalid edit: check's errors, and the previous table keeps answering.
    const invalid = [
      'version: 1',
      'routes:',
      route('one', 'one.test'),
      route('two', 'two.test'),
      route('three', 'three.test', '    timeout: soon\n    colour: red'),
      '',
    ].join('\n');
    writeFileSync(file, invalid);
    await dev.waitFor('still serving the last good build');
    const lines = invalid.split('\n');
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    const reported = (line: number, col: number, word: string) =>
      dev
        ?.output()
        .split('\n')
        .some((l) => l.startsWith(`${file}:${line}:${col}  error  `) && l.includes(word));
    expect(reported(at('timeout: soon'), 14, 'soon'), dev.output()).toBe(true);
    expect(reported(at('colour'), 5, 'colour'), dev.output()).toBe(true);
    expect(dev.output()).toContain(`${file}: 2 errors`);
    expect((await get(port, 'two.test', '/c')).status).toBe(200);
    expect((await get(port, 'three.test', '/')).status).toBe(404);

    const group = wranglerGroup(outDir);
    expect(group, 'the wrangler process group').toBeDefined();
    await dev.interrupt();
    expect(dev.output()).toContain('Stopped.');
    expect(groupMembers(group ?? 0)).toEqual([]);
    expect(await portClosed(port)).toBe(true);
  });
});
