/**
 * The shipped entry, src/index.ts, over the table `npm run build` compiled: here the fixture
 * test/worker/fixtures/entry.yaml (see entry-table.ts), never the live routes.yaml. Answers that
 * need no network, so they hold whatever the origin is doing.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index.ts';
import { testEnv } from './harness.ts';

async function send(url: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(url, init) as Request<unknown, IncomingRequestCfProperties>;
  const response = await (worker.fetch as NonNullable<typeof worker.fetch>)(request, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe('the default export', () => {
  it('answers an unknown host with 404 no_route JSON', async () => {
    const response = await send('https://not-routed.example/anything?q=1');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, string>;
    expect(body.error).toBe('no_route');
    expect(body.request_id).toBe(response.headers.get('x-request-id'));
  });

  it('answers a CORS preflight for a route of the built table at the edge', async () => {
    const response = await send('https://api.example.com/v1/generate', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type, authorization',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(await response.text()).toBe('');
  });
});
