/**
 * The deploy's own API client against a real local server that answers, stalls before its
 * headers, or stalls in the middle of its body: every call ends, with a message, by its deadline.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudflareError, cloudflare } from '../../scripts/deploy/cloudflare.ts';

const TOKEN = 'token-that-must-not-show';
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ success: true, errors: [], messages: [], result: { id: 'w1' } }));
    } else if (req.url === '/stalled-body') {
      res.setHeader('content-type', 'application/json');
      res.write('{"success": true, "result": {"id"');
    }
    // Anything else never answers.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the Cloudflare API client', () => {
  const api = () => cloudflare({ token: TOKEN, baseUrl, timeoutMs: 300 });

  it('returns the result of an answer that comes in time', async () => {
    await expect(api().get('/ok')).resolves.toEqual({ id: 'w1' });
  });

  it.each([
    ['headers', '/stalled-headers'],
    ['body', '/stalled-body'],
  ])('fails a call stalled in its %s, naming the call and its deadline', async (_part, path) => {
    const failure = await api()
      .get(path)
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(CloudflareError);
    expect((failure as Error).message).toBe(`GET ${path}: no answer within 300 ms`);
    expect((failure as Error).message).not.toContain(TOKEN);
  });
});
