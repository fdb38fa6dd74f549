/**
 * A client that goes away midway through a chunked upload, over a real connection to workerd
 * (the router bundled as a deploy would, run through miniflare's API, no `wrangler dev` proxy in
 * front): the origin sees the upload cut, never complete. On a route without `max_body` the body
 * streams natively and workerd cancels the upstream request with the client's; on a route with
 * `max_body` the router counts the upload and aborts it itself. (test/worker cannot open a real
 * connection: a body made in JavaScript that fails is not a client going away.) The same real
 * connection sends the reported max_body bypass: Content-Length with Transfer-Encoding: chunked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleRouter } from '../../bench/bundle.ts';
import { type RunningWorker, startWorker } from '../../bench/workers.ts';
import { compileConfig } from '../../scripts/compiler/compile.ts';
import { type Origin, startOrigin } from '../origin/server.ts';
import { peekSink, sinkState } from '../origin/sink.ts';

const SENT = 24 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'cut-upload-'));
let origin: Origin;
let worker: RunningWorker;

beforeAll(async () => {
  origin = await startOrigin(0, 'cut-origin');
  const base = `http://127.0.0.1:${origin.port}`;
  const table = compileConfig({
    version: 1,
    routes: [
      { id: 'free', hosts: ['free.test'], origin: base },
      { id: 'limited', hosts: ['limited.test'], origin: base, max_body: '1mb' },
    ],
  });
  worker = await startWorker(bundleRouter('cut-upload', table, dir).scriptPath);
}, 120_000);

afterAll(async () => {
  await worker?.dispose();
  await origin?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Ending = 'reset' | 'half-close' | 'finished';

/**
 * Sends SENT bytes as a chunked upload to /sink/KEY and, once the origin is receiving it, ends it
 * as `ending` says. Resolves when the connection is closed.
 */
function upload(host: string, key: string, ending: Ending): Promise<void> {
  return new Promise((done, fail) => {
    const req = request({
      host: worker.url.hostname,
      port: worker.url.port,
      path: `/sink/${key}`,
      method: 'POST',
      headers: { host, 'transfer-encoding': 'chunked' },
    });
    req.on('error', () => done());
    req.on('close', () => done());
    req.on('response', (res) => res.resume());
    req.write(Buffer.alloc(SENT, 7));
    originSees(key).then(() => {
      if (ending === 'finished') req.end();
      // Half-close: the connection ends without the chunked body's last chunk.
      else if (ending === 'half-close') req.socket?.end();
      else req.destroy();
    }, fail);
  });
}

/** Resolves once the origin has the upload's first bytes (polled, with a deadline). */
async function originSees(key: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await peekSink(originUrl(), key)).bytes === 0) {
    if (Date.now() > deadline) throw new Error(`the origin never received /sink/${key}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const originUrl = () => `http://127.0.0.1:${origin.port}`;

describe('a chunked upload the client cuts midway', () => {
  it.each([
    ['without max_body', 'free.test', 'reset'],
    ['without max_body', 'free.test', 'half-close'],
    ['with max_body', 'limited.test', 'reset'],
    ['with max_body', 'limited.test', 'half-close'],
  ] as const)('on a route %s (%s) reaches the origin cut, never complete', async (_, host, ending) => {
    const key = `${host}-${ending}-${crypto.randomUUID()}`;
    await upload(host, key, ending);
    const state = await sinkState(originUrl(), key);
    expect(state).toMatchObject({ ended: true, complete: false });
    expect(state.bytes).toBeLessThanOrEqual(SENT);
  });

  it('the same upload finished reaches the origin complete (the control)', async () => {
    const key = `finished-${crypto.randomUUID()}`;
    await upload('free.test', key, 'finished');
    expect(await sinkState(originUrl(), key)).toMatchObject({ ended: true, complete: true, bytes: SENT });
  });
});

/**
 * Sends raw bytes on one connection and resolves with the status line's code (workerd would
 * refuse to let node:http send both headers).
 */
function raw(head: string, body: Buffer): Promise<number> {
  return new Promise((done, fail) => {
    const socket = connect(Number(worker.url.port), worker.url.hostname, () => {
      socket.write(head);
      socket.end(body);
    });
    let reply = '';
    socket.on('data', (data) => {
      reply += data.toString('latin1');
    });
    socket.on('error', fail);
    socket.on('close', () => done(Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0)));
  });
}

describe('a Content-Length sent with Transfer-Encoding: chunked, over a real connection', () => {
  it('is not trusted: a 2 MiB chunked body declaring 10 bytes gets 413, the origin gets at most max_body', async () => {
    const key = `cl-te-${crypto.randomUUID()}`;
    const data = Buffer.alloc(2 * 1024 * 1024, 5);
    const head = [
      `POST /sink/${key} HTTP/1.1`,
      'Host: limited.test',
      'Content-Length: 10',
      'Transfer-Encoding: chunked',
      'Connection: close',
      '',
      '',
    ].join('\r\n');
    const chunked = Buffer.concat([
      Buffer.from(`${data.length.toString(16)}\r\n`),
      data,
      Buffer.from('\r\n0\r\n\r\n'),
    ]);
    expect(await raw(head, chunked)).toBe(413);
    const state = await sinkState(originUrl(), key);
    expect(state.complete).toBe(false);
    expect(state.bytes).toBeLessThanOrEqual(1024 * 1024);
  });
});
