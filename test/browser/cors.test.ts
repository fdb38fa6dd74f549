/**
 * CORS judged by a real browser: Debian's headless Chromium (driven by playwright-core) loads a
 * page from http://app.localhost:PORT whose JavaScript calls the router at
 * http://api.localhost:PORT under `wrangler dev`. The assertions are about what that page's
 * JavaScript could and could not read; the origin's request counter shows which requests the
 * browser actually sent past the edge.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertChromium, LAUNCH } from './chromium.ts';
import { type Stack, startStack } from './stack.ts';

interface Read {
  ok: true;
  status: number;
  method: string;
  url: string;
  authorization: string | null;
  sentContentType: string | null;
  bodyLength: number;
  contentType: string | null;
  originName: string | null;
  requestId: string | null;
  xCache: string | null;
}
type Outcome = Read | { ok: false; error: string; message: string };
type Results = Record<
  | 'simpleGet'
  | 'jsonPost'
  | 'credentialed'
  | 'credentialedNoFlag'
  | 'credentialedStar'
  | 'refusedGet'
  | 'refusedPost',
  Outcome
>;

const run = `b${Date.now().toString(36)}`;
let stack: Stack | undefined;
let context: BrowserContext | undefined;
let userDataDir: string | undefined;
let results: Results;

async function originCount(name: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${stack?.origin.port}/__count/${name}`);
  return ((await response.json()) as { count: number }).count;
}

function read(outcome: Outcome): Read {
  if (!outcome.ok) throw new Error(`the page could not read it: ${outcome.error}: ${outcome.message}`);
  return outcome;
}

beforeAll(async () => {
  assertChromium();
  stack = await startStack();
  userDataDir = mkdtempSync(join(tmpdir(), 'edge-router-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, LAUNCH);
  const page = await context.newPage();
  await page.goto(`http://app.localhost:${stack.routerPort}/?run=${run}`, { timeout: 60_000 });
  // These run in the page, where globalThis is its window.
  await page.waitForFunction(() => 'corsResults' in globalThis, undefined, { timeout: 60_000 });
  results = await page.evaluate(() => (globalThis as unknown as { corsResults: Results }).corsResults);
}, 300_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await stack?.stop();
}, 60_000);

describe('CORS in a real browser', () => {
  it('lets the page read a simple GET, but only the headers the route exposes', () => {
    const simple = read(results.simpleGet);
    expect(simple.status).toBe(200);
    expect(simple.method).toBe('GET');
    expect(simple.url).toBe('/echo/simple?x=1');
    expect(simple.contentType).toBe('application/json'); // CORS-safelisted
    expect(simple.originName).toBe('browser-origin'); // listed in expose
    expect(simple.requestId).toBeNull(); // sent by the router, but not exposed
    expect(simple.xCache).toBeNull();
  });

  it('preflights a JSON POST with Authorization at the edge, then sends it once', async () => {
    const post = read(results.jsonPost);
    expect(post.status).toBe(200);
    expect(post.method).toBe('POST');
    expect(post.authorization).toBe('Bearer page-token');
    expect(post.sentContentType).toBe('application/json');
    expect(post.bodyLength).toBe(JSON.stringify({ hello: 'edge' }).length);
    expect(post.requestId).toMatch(/^[0-9a-f-]{36}$/); // exposed on this route
    expect(post.originName).toBeNull(); // not exposed on this route
    // The origin saw the POST and nothing else: the preflight was answered by the router.
    expect(await originCount(`${run}-post`)).toBe(1);
  });

  // app.localhost and api.localhost are different sites, and Chromium sends no third-party
  // cookies, so no cookie travels here; the credentials-mode CORS check is the same with or
  // without one: it needs Allow-Credentials: true and the exact origin, never '*'.
  it('lets a credentialed request through a route with credentials: true', () => {
    const credentialed = read(results.credentialed);
    expect(credentialed.status).toBe(200);
    expect(credentialed.method).toBe('GET');
    expect(credentialed.originName).toBe('browser-origin');
  });

  it('refuses a credentialed request where the route has no credentials: true', () => {
    expect(results.credentialedNoFlag).toMatchObject({ ok: false, error: 'TypeError' });
  });

  it("refuses a credentialed request answered with '*'", () => {
    expect(results.credentialedStar).toMatchObject({ ok: false, error: 'TypeError' });
  });

  it('hides the answer from an origin the route does not allow', async () => {
    expect(results.refusedGet).toMatchObject({ ok: false, error: 'TypeError' });
    // A simple GET is sent (the browser cannot know before), the answer withheld from the page.
    expect(await originCount(`${run}-get`)).toBe(1);
  });

  it('never sends a request whose preflight the route refuses', async () => {
    expect(results.refusedPost).toMatchObject({ ok: false, error: 'TypeError' });
    expect(await originCount(`${run}-refused-post`)).toBe(0);
  });
});
