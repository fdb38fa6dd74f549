/**
 * Review finding: the router trusts the origin's status line.
 *
 * - A status the Fetch API cannot carry on a Response (600 or more, below 200 other than 101)
 *   makes `new Response(...)` in the response stage throw a RangeError, and the pipeline answers
 *   `500 internal_error` ("The router failed"). Under workerd (tests, `npm run dev`, `npm start`)
 *   this includes a legitimate `103 Early Hints` or an unsolicited `100 Continue` sent before the
 *   final answer: workerd's fetch returns the 1xx as if it were final (tried against a raw origin
 *   through the dev server). The origin misbehaved (or spoke HTTP the platform does not follow),
 *   so the answer should be the router's `502 bad_gateway`, as for an unparsable status line.
 * - A `101 Switching Protocols` is passed through whatever was asked: on a route without
 *   `websocket: true`, or to a request that was no upgrade, the client gets a 101 with no socket
 *   behind it and its connection hangs (45 s and more through `npm run dev`), while the log line
 *   records a success. Expected: 502 unless the route allows WebSockets and the client asked.
 */
import { describe, expect, it } from 'vitest';
import { originUrl, routerFor } from './harness.ts';

const router = routerFor([
  { id: 'odd', hosts: ['ros.test'], origin: originUrl() },
  { id: 'ws', hosts: ['ros-ws.test'], origin: originUrl(), websocket: true },
]);

describe('review: an origin status the router cannot relay', () => {
  for (const status of [600, 999, 103]) {
    it(`${status} from the origin is a 502 bad_gateway, never the router's 500 internal_error`, async () => {
      const response = await router.fetch(`https://ros.test/respond?status=${status}`);
      const body = (await response.json()) as { error: string };
      expect({ status: response.status, error: body.error }).toEqual({ status: 502, error: 'bad_gateway' });
    });
  }

  for (const host of ['ros.test', 'ros-ws.test']) {
    it(`an unasked-for 101 on ${host} (a plain GET) is a 502 JSON, not a 101 that hangs the client`, async () => {
      const response = await router.fetch(`https://${host}/respond?status=101`);
      expect(response.status).toBe(502);
      expect(((await response.json()) as { error: string }).error).toBe('bad_gateway');
    });
  }
});
