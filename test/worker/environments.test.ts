/**
 * A staging build from the same table: it serves the staging hosts (mapped by domain, or set by a
 * route override) with the staging origin and vars, and answers production's hosts with 404, so
 * a staging Worker never serves, or claims, production's domains.
 */
import { describe, expect, it } from 'vitest';
import type { RawConfig, RawRoute } from '../../scripts/compiler/config.ts';
import { type Echo, originUrl, routerFor } from './harness.ts';

const routes: RawRoute[] = [
  {
    id: 'api',
    hosts: ['api.example.com'],
    origin: `${originUrl('primary')}/prod`,
    headers: { request: { set: { 'X-Region': `\${env.REGION}` } } },
  },
  { id: 'admin', hosts: ['admin.example.com'], origin: originUrl('primary') },
];
const environments: RawConfig['environments'] = {
  production: {},
  staging: {
    hosts: { 'example.com': 'staging.example.com' },
    origins: { [originUrl('primary')]: originUrl('backup') },
    vars: { REGION: 'eu-staging' },
    routes: { admin: { hosts: ['admin-staging.example.net'] } },
  },
};
const extra = { vars: { REGION: 'eu' }, environments };
const staging = routerFor(routes, extra, {}, 'staging');
const production = routerFor(routes, extra, {}, 'production');

async function echo(router: typeof staging, url: string): Promise<Echo> {
  const response = await router.fetch(url);
  expect(response.status, url).toBe(200);
  return (await response.json()) as Echo;
}

describe('a staging build', () => {
  it('serves the mapped staging hosts with the staging origin and vars', async () => {
    const received = await echo(staging, 'https://api.staging.example.com/x');
    expect(received.origin).toBe('backup');
    expect(received.url).toBe('/prod/x');
    expect(received.headers['x-region']).toBe('eu-staging');
    expect((await echo(staging, 'https://admin-staging.example.net/')).origin).toBe('backup');
  });

  it("answers production's hosts with 404 no_route", async () => {
    for (const url of [
      'https://api.example.com/x',
      'https://admin.example.com/',
      'https://admin.staging.example.com/',
    ]) {
      const response = await staging.fetch(url);
      expect(response.status, url).toBe(404);
      expect(((await response.json()) as { error: string }).error).toBe('no_route');
    }
  });

  it('leaves the production build as the table says (the control)', async () => {
    const received = await echo(production, 'https://api.example.com/x');
    expect(received.origin).toBe('primary');
    expect(received.headers['x-region']).toBe('eu');
    expect((await production.fetch('https://api.staging.example.com/x')).status).toBe(404);
  });
});
