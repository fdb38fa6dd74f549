/**
 * What the Cloudflare stand-in holds: Workers with their versions, deployments and secrets, zones,
 * zone routes and custom domains. The API stand-in (cloudflare-api.ts) reads and changes it; the
 * edge stand-in (cloudflare-edge.ts) serves requests from it. Shapes follow the public API docs
 * (Workers Versions, Deployments, Domains, Routes) and what wrangler 4.86 reads from them.
 */
import { randomUUID } from 'node:crypto';

export interface Binding {
  type: string;
  name: string;
  text?: string;
  json?: unknown;
  namespace_id?: string;
  simple?: { limit: number; period: number };
  [key: string]: unknown;
}

export interface StoredVersion {
  id: string;
  number: number;
  created_on: string;
  annotations: Record<string, string>;
  bindings: Binding[];
  mainModule: string;
  modules: Array<{ name: string; type: string; contents: string }>;
  compatibilityDate: string;
  compatibilityFlags: string[];
}

export interface StoredDeployment {
  id: string;
  source: string;
  strategy: 'percentage';
  author_email: string;
  created_on: string;
  annotations: Record<string, string>;
  versions: Array<{ version_id: string; percentage: number }>;
}

export interface StoredWorker {
  name: string;
  created_on: string;
  versions: StoredVersion[];
  /** Newest first, as the API lists them. */
  deployments: StoredDeployment[];
  secrets: Map<string, string>;
  subdomain: { enabled: boolean; previews_enabled: boolean };
}

export interface Zone {
  id: string;
  name: string;
}

export interface ZoneRoute {
  id: string;
  pattern: string;
  script: string;
  zone_id: string;
}

export interface CustomDomain {
  id: string;
  hostname: string;
  service: string;
  environment: string;
  zone_id: string;
  zone_name: string;
}

/** One API call as the stand-in received it. */
export interface ApiCall {
  method: string;
  /** The path below the API base, e.g. /accounts/ACC/workers/scripts/NAME/versions. */
  path: string;
  query: string;
  /** The parsed JSON body, for the calls that send one. */
  body?: unknown;
}

export class CloudflareState {
  workers = new Map<string, StoredWorker>();
  zones: Zone[] = [];
  routes: ZoneRoute[] = [];
  domains: CustomDomain[] = [];
  calls: ApiCall[] = [];

  /** Clears everything but keeps the zones (they belong to the account, not to a test). */
  reset(): void {
    this.workers.clear();
    this.routes = [];
    this.domains = [];
    this.calls = [];
  }

  addZone(name: string): Zone {
    const zone = { id: hexId(), name };
    this.zones.push(zone);
    return zone;
  }

  zoneNamed(name: string): Zone | undefined {
    return this.zones.find((z) => z.name === name);
  }

  /** The zone a hostname belongs to: the longest zone name it ends with. */
  zoneFor(hostname: string): Zone | undefined {
    return this.zones
      .filter((z) => hostname === z.name || hostname.endsWith(`.${z.name}`))
      .sort((a, b) => b.name.length - a.name.length)[0];
  }

  /** The Worker serving a host at the edge: a custom domain, else a zone route pattern. */
  workerForHost(host: string): StoredWorker | undefined {
    const domain = this.domains.find((d) => d.hostname === host);
    if (domain) return this.workers.get(domain.service);
    const route = this.routes.find((r) => patternMatches(r.pattern, host));
    return route ? this.workers.get(route.script) : undefined;
  }

  /** The version a request runs on: a valid override, else the deployment's split. */
  versionFor(worker: StoredWorker, override: string | null): StoredVersion | undefined {
    const live = worker.deployments[0];
    if (!live) return undefined;
    const wanted = override ? parseOverride(override, worker.name) : null;
    const pick =
      live.versions.find((v) => v.version_id === wanted) ??
      [...live.versions].sort((a, b) => b.percentage - a.percentage)[0];
    return worker.versions.find((v) => v.id === pick?.version_id);
  }
}

/** `*.example.com/*` matches any name below example.com (Cloudflare's route semantics). */
function patternMatches(pattern: string, host: string): boolean {
  const hostPart = pattern.replace(/\/.*$/, '');
  if (hostPart.startsWith('*.')) return host.endsWith(hostPart.slice(1));
  return host === hostPart;
}

/** `Cloudflare-Workers-Version-Overrides: name="id"` (an RFC 8941 dictionary). */
function parseOverride(header: string, worker: string): string | null {
  for (const member of header.split(',')) {
    const match = /^\s*([a-z0-9*_.-]+)\s*=\s*"([^"]*)"\s*$/i.exec(member);
    if (match && match[1] === worker) return match[2] ?? null;
  }
  return null;
}

/** A 32-character hex id, as zones, routes and domains have. */
export function hexId(): string {
  return randomUUID().replace(/-/g, '');
}
