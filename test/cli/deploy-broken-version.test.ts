/**
 * Deploys that must stop before production changes:
 *
 * - a version whose every request fails before the router can answer (here: a build setting that
 *   breaks crypto.randomUUID, so the Worker throws and the edge answers 500) fails its smoke
 *   test: with the debug token set, an answer without the router's debug headers is a failure;
 * - a custom domain another Worker holds is refused before anything is uploaded: taken over, a
 *   failed deploy's restore would detach it and delete its DNS record.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOKEN, useDeployStandIn } from './deploy-harness.ts';

const { project, stand, deploy, worker, live, versionIds } = useDeployStandIn();

describe('a broken version against the Cloudflare stand-in', { timeout: 240_000 }, () => {
  it('fails its smoke test and is rolled back, production untouched', async () => {
    const first = await deploy(['api.example.com'], { token: false });
    expect(first.status, first.stderr).toBe(0);
    worker()?.secrets.set('ROUTER_DEBUG_TOKEN', TOKEN);
    const [current] = versionIds();
    const toml = join(project, 'wrangler.toml');
    const working = readFileSync(toml, 'utf8');
    writeFileSync(
      toml,
      working.replace(
        'workers_dev = false\n',
        'workers_dev = false\ndefine = { "crypto.randomUUID" = "undefined" }\n',
      ),
    );
    try {
      const result = await deploy(['api.example.com']);
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toMatch(
        /answer +expected the router's debug headers \(the token was sent\) +actual 500 without them/,
      );
      expect(live()).toEqual([{ version_id: current, percentage: 100 }]);
    } finally {
      writeFileSync(toml, working);
    }
  });

  it('refuses a custom domain another Worker holds, before anything is uploaded', async () => {
    const zone = stand.api.state.zoneNamed('example.com');
    stand.api.state.domains.push({
      id: 'legacy0000000000000000000000000',
      hostname: 'www.example.com',
      service: 'legacy-site',
      environment: 'production',
      zone_id: zone?.id ?? '',
      zone_name: 'example.com',
    });
    const versions = versionIds();
    const result = await deploy(['api.example.com', 'www.example.com']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'domains gate: www.example.com is a custom domain of the Worker legacy-site; nothing was uploaded',
    );
    expect(versionIds()).toEqual(versions);
    expect(stand.api.state.domains.find((d) => d.hostname === 'www.example.com')?.service).toBe(
      'legacy-site',
    );
  });
});
