/**
 * What is live for the target Worker right now, read from the API before the deploy changes
 * anything: whether the Worker exists, its current deployment (the version to restore on
 * failure), its secret names, and its custom domains and zone routes. The plan is computed from
 * git; this is the state it cannot see, so the deploy works from it.
 */
import type { DeployRoute } from '../cli/deploy-config.ts';
import { type Cloudflare, isWorkerMissing } from './cloudflare.ts';
import type { DeployTarget } from './target.ts';

export interface CustomDomain {
  id: string;
  hostname: string;
  zone_name: string;
}

export interface ZoneRoute {
  id: string;
  pattern: string;
  zone_name: string;
}

/** The Worker's triggers: what sends traffic to it. */
export interface Triggers {
  customDomains: CustomDomain[];
  zoneRoutes: ZoneRoute[];
}

export interface LiveState {
  exists: boolean;
  /** The current deployment: versions and their share of traffic (empty when none). */
  deployment: Array<{ version_id: string; percentage: number }>;
  /** The version with the largest share: the one a failed deploy restores. */
  current: string | null;
  /** Names of the Worker's secrets (values are never readable). */
  secrets: string[];
  triggers: Triggers;
}

const NONE: LiveState = {
  exists: false,
  deployment: [],
  current: null,
  secrets: [],
  triggers: { customDomains: [], zoneRoutes: [] },
};

/**
 * Reads the live state of the target's Worker.
 * @example const live = await readLiveState(api, target); live.current // '5021413a-...'
 */
export async function readLiveState(api: Cloudflare, target: DeployTarget): Promise<LiveState> {
  const account = `/accounts/${target.accountId}`;
  const name = encodeURIComponent(target.workerName);
  try {
    await api.get(`${account}/workers/services/${name}`);
  } catch (error) {
    if (isWorkerMissing(error)) return NONE;
    throw error;
  }
  const [{ deployments }, secrets, triggers] = await Promise.all([
    api.get<{ deployments: Array<{ versions: LiveState['deployment'] }> }>(
      `${account}/workers/scripts/${name}/deployments`,
    ),
    api.get<Array<{ name: string }>>(`${account}/workers/scripts/${name}/secrets`),
    readTriggers(api, target),
  ]);
  const deployment = deployments[0]?.versions ?? [];
  const current = [...deployment].sort((a, b) => b.percentage - a.percentage)[0]?.version_id ?? null;
  return { exists: true, deployment, current, secrets: secrets.map((s) => s.name).sort(), triggers };
}

/**
 * The Worker's custom domains (List Domains, filtered by service) and zone routes (the Worker's
 * routes across its zones, with zone names, as wrangler's own config download reads them).
 * @example (await readTriggers(api, target)).customDomains.map((d) => d.hostname)
 */
export async function readTriggers(api: Cloudflare, target: DeployTarget): Promise<Triggers> {
  const account = `/accounts/${target.accountId}`;
  const name = encodeURIComponent(target.workerName);
  const [domains, routes] = await Promise.all([
    api.get<Array<CustomDomain & { service: string }>>(
      `${account}/workers/domains?service=${name}&environment=production`,
    ),
    api.get<ZoneRoute[]>(
      `${account}/workers/services/${name}/environments/production/routes?show_zonename=true`,
    ),
  ]);
  return {
    customDomains: domains
      .filter((d) => d.service === target.workerName)
      .map(({ id, hostname, zone_name }) => ({ id, hostname, zone_name }))
      .sort((a, b) => a.hostname.localeCompare(b.hostname)),
    zoneRoutes: routes
      .map(({ id, pattern, zone_name }) => ({ id, pattern, zone_name }))
      .sort((a, b) => a.pattern.localeCompare(b.pattern)),
  };
}

/**
 * The wanted custom domains that another Worker holds now (List Domains, by hostname). Attaching
 * one takes it over, and a failed deploy's restore would then detach it, deleting its DNS record:
 * the other Worker's site would be gone. The deploy refuses before changing anything.
 * @example await foreignDomains(api, target, wanted, live.triggers) // [{ hostname: 'www.example.com', service: 'legacy-site' }]
 */
export async function foreignDomains(
  api: Cloudflare,
  target: DeployTarget,
  wanted: DeployRoute[],
  live: Triggers,
): Promise<Array<{ hostname: string; service: string }>> {
  const ours = new Set(live.customDomains.map((d) => d.hostname));
  const hosts = wanted.filter((r) => 'custom_domain' in r && !ours.has(r.pattern)).map((r) => r.pattern);
  const found = await Promise.all(
    hosts.map(async (host) => {
      const listed = await api.get<Array<{ hostname: string; service: string }>>(
        `/accounts/${target.accountId}/workers/domains?hostname=${encodeURIComponent(host)}`,
      );
      // The filter is the API's: only that very name counts.
      return listed.filter((d) => d.hostname.toLowerCase() === host && d.service !== target.workerName);
    }),
  );
  return found.flat().map(({ hostname, service }) => ({ hostname, service }));
}

/**
 * True when traffic for `host` reaches the Worker through these triggers (a zone route
 * `*.example.com/*` covers every name below example.com, as Cloudflare matches it).
 * @example servesHost(triggers, 'api.example.com') // true when it is a custom domain
 */
export function servesHost(triggers: Triggers, host: string): boolean {
  if (triggers.customDomains.some((d) => d.hostname === host)) return true;
  return triggers.zoneRoutes.some((r) => {
    const pattern = r.pattern.replace(/\/.*$/, '');
    return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
  });
}
