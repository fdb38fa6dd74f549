/**
 * Aliases on a shared origin (scripts/compiler/aliases.ts): `check` warns when a route's
 * requests reach, on the origin, a path another route guards with access rules, max_body or rate
 * limits it does not apply. Found by an adversarial review: `/api` with strip_prefix forwarded
 * `/api/admin` to the origin's `/admin`, past the allow list of route `/admin`.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../scripts/compiler/analyze.ts';

/** The warnings for a table of routes (each a YAML flow mapping), as `line:col message`. */
function warnings(...routes: string[]): string[] {
  const text = ['version: 1', 'routes:', ...routes.map((route) => `  - ${route}`), ''].join('\n');
  const analysis = analyze(text);
  expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return analysis.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`);
}

const ADMIN =
  '{ id: admin, hosts: [a.example.com], path: /admin, origin: "https://o.example.net", access: { allow: [192.0.2.1/32] } }';

describe('aliases on a shared origin', () => {
  it('warns on a strip_prefix route that reaches a guarded path, naming the public path and the rules', () => {
    const found = warnings(
      ADMIN,
      '{ id: api, hosts: [a.example.com], path: /api, strip_prefix: true, origin: "https://o.example.net" }',
    );
    expect(found).toEqual([
      '4:5 route "api" forwards /api/admin to /admin on https://o.example.net, which route "admin" serves with access that "api" does not apply: requests through "api" skip them. Give "api" the same rules, add a route for /api/admin with them, or use separate origins',
    ]);
  });

  it('warns on another host whose base path lands on the guarded path, for each rule it skips', () => {
    const found = warnings(
      '{ id: admin, hosts: [a.example.com], path: /admin, origin: "https://o.example.net", max_body: 1kb, rate_limit: { limit: 5, period: 60 } }',
      '{ id: www, hosts: ["*.example.org"], origin: "https://o.example.net/admin/panel" }',
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('route "www" forwards / to /admin/panel on https://o.example.net');
    expect(found[0]).toContain('with max_body and rate_limit that "www" does not apply');
  });

  it('reads a base path in the spelling requests get: /%61dmin is /admin (found by a review)', () => {
    const found = warnings(
      ADMIN,
      '{ id: files, hosts: [a.example.com], path: /files, strip_prefix: true, origin: "https://o.example.net/%61dmin" }',
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('route "files" forwards /files to /admin on https://o.example.net');
  });

  it('says nothing where the alias path is routed elsewhere, or the rules are the same', () => {
    // The guarded path's public spelling on the same host is the guarded route's own.
    expect(warnings(ADMIN, '{ id: site, hosts: [a.example.com], origin: "https://o.example.net" }')).toEqual(
      [],
    );
    // A route for the alias path with the same rules takes those requests from "api".
    expect(
      warnings(
        ADMIN,
        '{ id: api, hosts: [a.example.com], path: /api, strip_prefix: true, origin: "https://o.example.net" }',
        '{ id: api-admin, hosts: [a.example.com], path: /api/admin, strip_prefix: true, origin: "https://o.example.net/admin", access: { allow: [192.0.2.1/32] } }',
      ),
    ).toEqual([]);
    // The same rules on the alias itself: nothing is skipped (rate limits count apart, alike).
    expect(
      warnings(
        '{ id: limited, hosts: [a.example.com], path: /v1, origin: "https://o.example.net", rate_limit: { limit: 5, period: 60 } }',
        '{ id: mirror, hosts: [b.example.com], origin: "https://o.example.net", rate_limit: { limit: 5, period: 60 } }',
      ),
    ).toEqual([]);
  });

  it("says nothing across origins, below the alias's reach, or for methods alone", () => {
    expect(
      warnings(
        ADMIN,
        '{ id: api, hosts: [b.example.com], path: /api, strip_prefix: true, origin: "https://p.example.net" }',
      ),
    ).toEqual([]);
    // "api" forwards below /v2 only; /admin is out of its reach.
    expect(
      warnings(ADMIN, '{ id: api, hosts: [b.example.com], origin: "https://o.example.net/v2" }'),
    ).toEqual([]);
    // A methods list mostly shapes a route (a read-only mirror); it is not counted as a guard.
    expect(
      warnings(
        '{ id: images, hosts: [img.example.com], origin: "https://o.example.net/images", methods: [GET] }',
        '{ id: api, hosts: [api.example.com], origin: "https://o.example.net" }',
      ),
    ).toEqual([]);
  });

  it('says nothing of a closer route that relaxes a rule on the same host', () => {
    // /upload is the upload route's own; the site route never serves it.
    expect(
      warnings(
        '{ id: site, hosts: [a.example.com], origin: "https://o.example.net", max_body: 1mb }',
        '{ id: upload, hosts: [a.example.com], path: /upload, origin: "https://o.example.net", max_body: 100mb }',
        '{ id: acme, hosts: [a.example.com], path: /.well-known/acme-challenge, origin: "https://o.example.net" }',
      ),
    ).toEqual([]);
  });

  it('compares rules by what they let through: the same in another order, or stricter, skips nothing', () => {
    const guard =
      '{ id: admin, hosts: [a.example.com], path: /admin, origin: "https://o.example.net", access: { allow: [192.0.2.0/24, 198.51.100.0/24], deny: [192.0.2.9/32] }, rate_limit: [{ limit: 100, period: 60 }, { limit: 10, period: 10 }] }';
    // (The guard, for its part, is looser than the stricter route, which check reports on it.)
    const aroundAdmin = (...routes: string[]) =>
      warnings(guard, ...routes).filter((w) => w.includes('which route "admin"'));
    expect(
      aroundAdmin(
        '{ id: same, hosts: [b.example.com], origin: "https://o.example.net", access: { allow: [198.51.100.0/24, 192.0.2.0/24], deny: [192.0.2.9/32] }, rate_limit: [{ limit: 10, period: 10 }, { limit: 100, period: 60 }] }',
      ),
    ).toEqual([]);
    expect(
      aroundAdmin(
        '{ id: stricter, hosts: [c.example.com], origin: "https://o.example.net", access: { allow: [192.0.2.7/32] }, rate_limit: [{ limit: 1, period: 60 }, { limit: 5, period: 10 }] }',
      ),
    ).toEqual([]);
    const looser = aroundAdmin(
      '{ id: wider, hosts: [d.example.com], origin: "https://o.example.net", access: { allow: [192.0.0.0/16] }, rate_limit: [{ limit: 100, period: 60 }, { limit: 20, period: 10 }] }',
    );
    expect(looser).toHaveLength(1);
    expect(looser[0]).toContain('with access and rate_limit that "wider" does not apply');
  });

  it('takes an origin server by host and port: another scheme or a trailing dot is the same server', () => {
    for (const origin of ['http://o.example.net', 'https://O.example.net.', 'https://o.example.net:443']) {
      const found = warnings(ADMIN, `{ id: other, hosts: [b.example.com], origin: "${origin}" }`);
      expect(
        found.filter((w) => w.includes('which route "admin"')),
        origin,
      ).toHaveLength(1);
    }
    expect(
      warnings(ADMIN, '{ id: other, hosts: [b.example.com], origin: "https://o.example.net:8443" }'),
    ).toEqual([]);
  });

  it('reports nothing across a large table of guarded routes on one origin that never reach each other', () => {
    // Each route guards its own path: no route reaches another's, so nothing is reported. This
    // asserts no false warning at size, not speed (a quadratic check passes it too, slowly: the
    // first version took minutes at 10,000 routes; speed is shown in the commit, not timed here).
    const routes = Array.from(
      { length: 3000 },
      (_, i) =>
        `{ id: r${i}, hosts: [a.example.com], path: /p${i}, origin: "https://o.example.net", rate_limit: { limit: ${100 + (i % 7)}, period: 60 } }`,
    );
    expect(warnings(...routes)).toEqual([]);
  });
});
