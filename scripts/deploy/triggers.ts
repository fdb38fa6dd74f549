/**
 * Makes the Worker's custom domains and zone routes exactly the wanted set, as the plan showed.
 *
 * `wrangler triggers deploy` attaches them, and when it sends a list it replaces the old one
 * (custom domains with `override_scope`, zone routes with a PUT). But wrangler 4.86 sends each list
 * only when it is not empty (triggers/deploy.ts), so removing the LAST custom domain, or the last
 * zone route, would detach nothing. After wrangler, the deploy therefore reads what is attached
 * and detaches whatever is not wanted through the documented endpoints (DELETE a Worker Domain,
 * DELETE a zone's Worker route). The same function restores the previous set on a rollback.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DeployRoute } from '../cli/deploy-config.ts';
import type { Io } from '../cli/io.ts';
import type { Cloudflare } from './cloudflare.ts';
import { readTriggers, type Triggers } from './live-state.ts';
import type { DeployTarget } from './target.ts';
import { runWrangler, tail } from './wrangler.ts';

export interface TriggerChanges {
  attach: DeployRoute[];
  detach: Array<{ kind: 'custom domain'; hostname: string } | { kind: 'zone route'; pattern: string }>;
}

/**
 * What applying `wanted` over `live` changes.
 * @example triggerChanges(wanted, live).attach // the hosts that start reaching the Worker
 */
export function triggerChanges(wanted: DeployRoute[], live: Triggers): TriggerChanges {
  const domains = new Set(live.customDomains.map((d) => d.hostname));
  const routes = new Set(live.zoneRoutes.map((r) => r.pattern));
  const wantedDomains = new Set(wanted.filter((r) => 'custom_domain' in r).map((r) => r.pattern));
  const wantedRoutes = new Set(wanted.filter((r) => !('custom_domain' in r)).map((r) => r.pattern));
  return {
    attach: wanted.filter((r) => ('custom_domain' in r ? !domains.has(r.pattern) : !routes.has(r.pattern))),
    detach: [
      ...live.customDomains
        .filter((d) => !wantedDomains.has(d.hostname))
        .map((d) => ({ kind: 'custom domain' as const, hostname: d.hostname })),
      ...live.zoneRoutes
        .filter((r) => !wantedRoutes.has(r.pattern))
        .map((r) => ({ kind: 'zone route' as const, pattern: r.pattern })),
    ],
  };
}

/**
 * The live triggers as a wanted list: what a rollback puts back.
 * @example await applyTriggers(asWanted(before), { api, target, io })
 */
export function asWanted(live: Triggers): DeployRoute[] {
  return [
    ...live.customDomains.map((d) => ({ pattern: d.hostname, custom_domain: true as const })),
    ...live.zoneRoutes.map((r) => ({ pattern: r.pattern, zone_name: r.zone_name })),
  ];
}

/**
 * A wanted list in the shape of live triggers (ids unknown): what will serve once applied.
 * @example servesHost(asTriggers(wanted), 'api.example.com')
 */
export function asTriggers(wanted: DeployRoute[]): Triggers {
  return {
    customDomains: wanted
      .filter((r) => 'custom_domain' in r)
      .map((r) => ({ id: '', hostname: r.pattern, zone_name: '' })),
    zoneRoutes: wanted.flatMap((r) =>
      'zone_name' in r ? [{ id: '', pattern: r.pattern, zone_name: r.zone_name }] : [],
    ),
  };
}

/**
 * Attaches and detaches until the Worker's triggers are exactly `wanted`; returns what is live.
 * Wrangler runs only when something must be attached; detaching alone is done through the API.
 * @example const now = await applyTriggers(wanted, { api, target, io })
 */
export async function applyTriggers(
  wanted: DeployRoute[],
  context: { api: Cloudflare; target: DeployTarget; io: Io },
): Promise<Triggers> {
  const { api, target, io } = context;
  const live = await readTriggers(api, target);
  const changes = triggerChanges(wanted, live);
  if (changes.attach.length + changes.detach.length === 0) return live;
  if (changes.attach.length > 0) {
    const config = join(dirname(target.configPath), 'wrangler.triggers.json');
    const generated = JSON.parse(readFileSync(target.configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(config, `${JSON.stringify({ ...generated, routes: wanted }, null, 2)}\n`);
    try {
      const result = await runWrangler(['triggers', 'deploy', '--config', config], target, io);
      if (result.code !== 0) throw new Error(`wrangler triggers deploy failed:\n${tail(result.output)}`);
    } finally {
      rmSync(config, { force: true });
    }
  }
  await detachUnwanted(wanted, changes.attach.length > 0 ? await readTriggers(api, target) : live, context);
  return readTriggers(api, target);
}

/** Detaches every attached custom domain and zone route that is not wanted. */
async function detachUnwanted(
  wanted: DeployRoute[],
  live: Triggers,
  { api, target, io }: { api: Cloudflare; target: DeployTarget; io: Io },
): Promise<void> {
  const keep = new Set(wanted.map((r) => r.pattern));
  for (const domain of live.customDomains.filter((d) => !keep.has(d.hostname))) {
    io.err(`    detaching custom domain ${domain.hostname}`);
    await api.delete(`/accounts/${target.accountId}/workers/domains/${domain.id}`);
  }
  const zoneIds = new Map<string, string>();
  for (const route of live.zoneRoutes.filter((r) => !keep.has(r.pattern))) {
    io.err(`    detaching zone route ${route.pattern}`);
    let zoneId = zoneIds.get(route.zone_name);
    if (!zoneId) {
      const zones = await api.get<Array<{ id: string }>>(
        `/zones?name=${encodeURIComponent(route.zone_name)}`,
      );
      zoneId = zones[0]?.id;
      if (!zoneId) throw new Error(`zone ${route.zone_name} of route ${route.pattern} was not found`);
      zoneIds.set(route.zone_name, zoneId);
    }
    await api.delete(`/zones/${zoneId}/workers/routes/${route.id}`);
  }
}
