/**
 * WebSockets: a route with `websocket: true` passes `Upgrade: websocket` through to the origin
 * (the test origin's /ws echoes `echo:<message>`, and answers `whoami` with its name); on any other route an upgrade is a 400 JSON
 * and never reaches the origin.
 */
import { describe, expect, it } from 'vitest';
import { originUrl, routerFor } from './harness.ts';

const router = routerFor([
  { id: 'live', hosts: ['live.test'], origin: originUrl(), websocket: true },
  {
    id: 'live-failover',
    hosts: ['live2.test'],
    origin: [originUrl('dead'), originUrl('backup')],
    websocket: true,
  },
  {
    id: 'live-guarded',
    hosts: ['guarded.test'],
    origin: originUrl(),
    websocket: true,
    access: { allow: ['203.0.113.0/24'] },
  },
  { id: 'plain', hosts: ['plain.test'], origin: originUrl() },
  {
    id: 'live-cors',
    hosts: ['app-ws.test'],
    origin: originUrl(),
    websocket: true,
    cors: { origins: ['https://app.example.com', 'https://*.example.org'], credentials: true },
  },
  { id: 'live-any', hosts: ['any-ws.test'], origin: originUrl(), websocket: true, cors: { origins: ['*'] } },
]);

function upgrade(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return router.fetch(url, { headers: { upgrade: 'websocket', ...headers } });
}

/** Accepts the client end, sends `text` and resolves with the first message back. */
async function roundTrip(response: Response, text: string): Promise<string> {
  const socket = response.webSocket;
  if (!socket) throw new Error(`no WebSocket on a ${response.status} response`);
  socket.accept();
  const reply = new Promise<string>((resolve, reject) => {
    socket.addEventListener('message', (event) => resolve(String(event.data)));
    socket.addEventListener('close', () => reject(new Error('closed before a reply')));
    setTimeout(() => reject(new Error('no reply within 10 s')), 10_000);
  });
  socket.send(text);
  try {
    return await reply;
  } finally {
    socket.close(1000, 'done');
  }
}

describe('websocket: true', () => {
  it('passes the upgrade through and a message round-trips', async () => {
    const response = await upgrade('https://live.test/ws');
    expect(response.status).toBe(101);
    expect(await roundTrip(response, 'hello')).toBe('echo:hello');
  });

  it('carries several messages in order', async () => {
    const response = await upgrade('https://live.test/ws');
    const socket = response.webSocket as WebSocket;
    socket.accept();
    const replies: string[] = [];
    const done = new Promise<void>((resolve) => {
      socket.addEventListener('message', (event) => {
        replies.push(String(event.data));
        if (replies.length === 3) resolve();
      });
    });
    for (const text of ['one', 'two', 'three']) socket.send(text);
    await done;
    socket.close(1000, 'done');
    expect(replies).toEqual(['echo:one', 'echo:two', 'echo:three']);
  });

  it('fails over to the next origin for the upgrade like any GET', async () => {
    const response = await upgrade('https://live2.test/ws');
    expect(response.status).toBe(101);
    expect(await roundTrip(response, 'whoami')).toBe('backup');
  });

  it('still applies access rules before the upgrade', async () => {
    const refused = await upgrade('https://guarded.test/ws', { 'cf-connecting-ip': '198.51.100.1' });
    expect(refused.status).toBe(403);
    expect(refused.webSocket).toBeNull();
    const allowed = await upgrade('https://guarded.test/ws', { 'cf-connecting-ip': '203.0.113.5' });
    expect(allowed.status).toBe(101);
    expect(await roundTrip(allowed, 'ok')).toBe('echo:ok');
  });

  it("opens a socket only for pages on the cors policy's origins (no cross-site WebSocket hijacking)", async () => {
    // Browsers apply no CORS to WebSockets and send the page's cookies: a review found any site
    // could open a socket on a route whose cors policy names only its own app.
    for (const origin of [
      'https://evil.example',
      'null',
      'https://app.example.com.evil.example',
      'http://app.example.com',
    ]) {
      const refused = await upgrade('https://app-ws.test/ws', { origin, cookie: 's=1' });
      expect(refused.status, origin).toBe(403);
      expect(refused.webSocket).toBeNull();
      expect(((await refused.json()) as { error: string }).error).toBe('forbidden');
    }
    for (const origin of ['https://app.example.com', 'https://shop.example.org']) {
      const allowed = await upgrade('https://app-ws.test/ws', { origin });
      expect(allowed.status, origin).toBe(101);
      expect(await roundTrip(allowed, 'hi')).toBe('echo:hi');
    }
    // A page of the site itself opens one too (a review found it refused).
    const own = await upgrade('https://app-ws.test/ws', { origin: 'https://app-ws.test' });
    expect(own.status).toBe(101);
    expect(await roundTrip(own, 'own')).toBe('echo:own');
    // A client that is no browser page sends no Origin, and CORS is about pages.
    const tool = await upgrade('https://app-ws.test/ws');
    expect(tool.status).toBe(101);
    expect(await roundTrip(tool, 'cli')).toBe('echo:cli');
  });

  it("under '*' without credentials, lets any site's page in, but not with its visitor's cookies", async () => {
    // The origin's /ws answers `headers` with the request headers it received, as JSON.
    const other = await upgrade('https://any-ws.test/ws', {
      origin: 'https://evil.example',
      cookie: 's=1',
      authorization: 'Bearer t',
    });
    expect(other.status).toBe(101);
    const seen = JSON.parse(await roundTrip(other, 'headers')) as Record<string, string>;
    expect(seen.cookie).toBeUndefined();
    expect(seen.authorization).toBeUndefined();
    // The site's own page keeps them.
    const own = await upgrade('https://any-ws.test/ws', { origin: 'https://any-ws.test', cookie: 's=1' });
    expect((JSON.parse(await roundTrip(own, 'headers')) as Record<string, string>).cookie).toBe('s=1');
  });

  it('answers a plain request on a websocket route as usual, without Upgrade upstream', async () => {
    const response = await router.fetch('https://live.test/echo/x');
    expect(response.status).toBe(200);
    const echo = (await response.json()) as { headers: Record<string, string | undefined> };
    expect(echo.headers.upgrade).toBeUndefined();
  });

  it('reports the origin refusing the upgrade as the origin answered it', async () => {
    const response = await upgrade('https://live.test/not-ws');
    expect(response.status).not.toBe(101);
    expect(response.webSocket).toBeNull();
  });
});

describe('routes without websocket', () => {
  it('answer an upgrade with 400 JSON', async () => {
    const response = await upgrade('https://plain.test/ws');
    expect(response.status).toBe(400);
    expect(response.webSocket).toBeNull();
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe('bad_request');
    expect(body.message).toContain('WebSocket');
  });

  it('never send the upgrade to the origin', async () => {
    const key = `ws-${crypto.randomUUID()}`;
    expect((await upgrade(`https://plain.test/count/${key}`)).status).toBe(400);
    const count = (await (await fetch(`${originUrl()}/__count/${key}`)).json()) as { count: number };
    expect(count.count).toBe(0);
  });

  it('treat Upgrade case-insensitively', async () => {
    expect((await router.fetch('https://plain.test/ws', { headers: { upgrade: 'WebSocket' } })).status).toBe(
      400,
    );
  });

  it('drop other Upgrade values (hop-by-hop) and proxy the request', async () => {
    const response = await router.fetch('https://plain.test/echo/x', { headers: { upgrade: 'h2c' } });
    expect(response.status).toBe(200);
    const echo = (await response.json()) as { headers: Record<string, string | undefined> };
    expect(echo.headers.upgrade).toBeUndefined();
  });
});
