/**
 * Review finding: `explain` and route tests run the Worker's pipeline in Node, whose URL parser
 * (Node 20's ada) leaves `^` raw in a path, while workerd's (the current WHATWG URL standard)
 * percent-encodes it as `%5E`. The canonical path is taken from the parser's pathname, so the two
 * disagree on the path, the route and the upstream URL for any request with `^` in its path. With
 * a route `/a%5Eb` that has an allow list, the Worker (test/worker/review-caret.test.ts) matches
 * that route and refuses an unknown address with 403; `explain` names the parent route, "access:
 * any address", and an upstream URL the Worker never fetches. Expected: explain says what the
 * Worker does (route `caret`, upstream `/a%5Eb/secret`). A fix that does not depend on the parser
 * version: the canonical path percent-encodes every character outside RFC 3986 `pchar` itself.
 */
import { describe, expect, it } from 'vitest';
import { explain } from '../../scripts/cli/explain-report.ts';
import { compileConfig } from '../../scripts/compiler/compile.ts';

const table = compileConfig({
  version: 1,
  routes: [
    { id: 'root', hosts: ['caret.test'], origin: 'https://origin.example' },
    {
      id: 'caret',
      hosts: ['caret.test'],
      path: '/a%5Eb',
      origin: 'https://origin.example',
      access: { allow: ['192.0.2.1/32'] },
    },
  ],
});

describe('review: explain and the Worker agree on a path with ^', () => {
  it('names the route and the upstream URL the Worker uses', async () => {
    const e = await explain(table, {
      url: 'https://caret.test/a^b/secret',
      headers: { 'cf-connecting-ip': '198.51.100.9' },
    });
    expect({ route: e.route?.id, status: e.status, upstream: e.upstream?.url }).toEqual({
      route: 'caret',
      status: 403,
      upstream: 'https://origin.example/a%5Eb/secret',
    });
  });
});
