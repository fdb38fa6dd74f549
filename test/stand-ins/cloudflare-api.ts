/**
 * A local stand-in of the few Cloudflare API endpoints a versioned deploy uses, a real HTTP
 * server that records every call. Wrangler honours CLOUDFLARE_API_BASE_URL, so the real wrangler
 * 4.86 (versions upload, versions deploy, triggers deploy, deploy) and the project's deploy script
 * run against it unchanged. Shapes follow the public API documentation (Workers Versions and
 * Deployments, Worker Domains, Worker Routes, Zones) and what wrangler 4.86's source reads; every
 * answer is the `{success, errors, messages, result}` envelope. An endpoint not listed here
 * answers 404 with an error naming it, so a new call shows up in the recorded calls at once.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ApiCall,
  type Binding,
  CloudflareState,
  hexId,
  type StoredVersion,
  type StoredWorker,
} from './cloudflare-state.ts';

/** API error codes wrangler recognises (utils/worker-not-found-error.ts). */
const WORKER_NOT_FOUND = 10007;
const SERVICE_NOT_FOUND = 10090;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface Request {
  method: string;
  path: string;
  params: string[];
  query: URLSearchParams;
  body: Buffer;
  contentType: string;
}

type Handler = (state: CloudflareState, req: Request) => unknown | Promise<unknown>;

const SCRIPT = '/accounts/([^/]+)/workers/scripts/([^/]+)';
const SERVICE = '/accounts/([^/]+)/workers/services/([^/]+)';

/** [method, path pattern, handler]: the endpoints, in the order they are matched. */
const ENDPOINTS: Array<[string, RegExp, Handler]> = [
  ['GET', new RegExp(`^${SERVICE}$`), (s, r) => serviceOf(worker(s, r.params[1], SERVICE_NOT_FOUND))],
  ['GET', new RegExp(`^${SERVICE}/environments/production/routes$`), (s, r) => serviceRoutes(s, r.params[1])],
  ['PUT', new RegExp(`^${SCRIPT}$`), createScript],
  ['POST', new RegExp(`^${SCRIPT}/versions$`), uploadVersion],
  ['GET', new RegExp(`^${SCRIPT}/versions$`), (s, r) => ({ items: listVersions(worker(s, r.params[1])) })],
  ['GET', new RegExp(`^${SCRIPT}/versions/([^/]+)$`), getVersion],
  [
    'GET',
    new RegExp(`^${SCRIPT}/deployments$`),
    (s, r) => ({ deployments: worker(s, r.params[1]).deployments }),
  ],
  ['POST', new RegExp(`^${SCRIPT}/deployments$`), createDeployment],
  ['GET', new RegExp(`^${SCRIPT}/secrets$`), listSecrets],
  ['GET', new RegExp(`^${SCRIPT}/settings$`), (s, r) => settingsOf(worker(s, r.params[1]))],
  [
    'PATCH',
    new RegExp(`^${SCRIPT}/script-settings$`),
    (s, r) => ({ ...settingsOf(worker(s, r.params[1])), ...(json(r.body) as object) }),
  ],
  ['GET', new RegExp(`^${SCRIPT}/subdomain$`), (s, r) => worker(s, r.params[1]).subdomain],
  ['POST', new RegExp(`^${SCRIPT}/subdomain$`), setSubdomain],
  ['PUT', new RegExp(`^${SCRIPT}/routes$`), putScriptRoutes],
  ['PUT', new RegExp(`^${SCRIPT}/domains/records$`), putDomainRecords],
  ['GET', /^\/accounts\/([^/]+)\/workers\/subdomain$/, () => ({ subdomain: 'stand-in' })],
  ['GET', /^\/accounts\/([^/]+)\/workers\/domains$/, listDomains],
  ['DELETE', /^\/accounts\/([^/]+)\/workers\/domains\/([^/]+)$/, deleteDomain],
  [
    'GET',
    /^\/zones$/,
    (s, r) => s.zones.filter((z) => !r.query.has('name') || z.name === r.query.get('name')),
  ],
  ['GET', /^\/zones\/([^/]+)\/workers\/routes$/, (s, r) => zoneRoutes(s, r.params[0])],
  ['DELETE', /^\/zones\/([^/]+)\/workers\/routes\/([^/]+)$/, deleteZoneRoute],
];

export interface ApiStandIn {
  /** The base to give wrangler as CLOUDFLARE_API_BASE_URL (ends in /client/v4). */
  url: string;
  state: CloudflareState;
  close(): Promise<void>;
}

/**
 * Starts the API stand-in on a free port of 127.0.0.1.
 * @example const api = await startApiStandIn(state); env.CLOUDFLARE_API_BASE_URL = api.url;
 */
export async function startApiStandIn(state = new CloudflareState()): Promise<ApiStandIn> {
  const server: Server = createServer((req, res) => {
    handle(state, req, res).catch((error: unknown) => reply(res, 500, envelope(null, [error])));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    state,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

async function handle(state: CloudflareState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://stand-in.invalid');
  const path = url.pathname.replace(/^\/client\/v4/, '');
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const contentType = req.headers['content-type'] ?? '';
  const call: ApiCall = { method: req.method ?? 'GET', path, query: url.search };
  if (contentType.startsWith('application/json') && body.length > 0) call.body = json(body);
  state.calls.push(call);
  const endpoint = ENDPOINTS.find(([method, pattern]) => method === call.method && pattern.test(path));
  if (!endpoint)
    return reply(res, 404, envelope(null, [new ApiError(404, 7003, `no route for ${call.method} ${path}`)]));
  const params = (endpoint[1].exec(path) ?? []).slice(1).map(decodeURIComponent);
  try {
    const result = await endpoint[2](state, {
      method: call.method,
      path,
      params,
      query: url.searchParams,
      body,
      contentType,
    });
    reply(res, 200, envelope(result, []));
  } catch (error) {
    reply(res, error instanceof ApiError ? error.status : 500, envelope(null, [error]));
  }
}

function envelope(result: unknown, errors: unknown[]) {
  return {
    success: errors.length === 0,
    errors: errors.map((e) => ({
      code: e instanceof ApiError ? e.code : 10000,
      message: (e as Error).message,
    })),
    messages: [],
    result,
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function json(body: Buffer): unknown {
  return JSON.parse(body.toString('utf8') || 'null');
}

function worker(state: CloudflareState, name: string | undefined, code = WORKER_NOT_FOUND): StoredWorker {
  const found = state.workers.get(name ?? '');
  if (!found) throw new ApiError(404, code, 'This Worker does not exist on your account.');
  return found;
}

/** Non-versioned settings (logpush, tail consumers, observability). */
function settingsOf(_w: StoredWorker) {
  return { logpush: false, tail_consumers: [], observability: { enabled: true }, tags: null };
}

function serviceOf(w: StoredWorker) {
  return {
    id: w.name,
    default_environment: {
      environment: 'production',
      created_on: w.created_on,
      script: { id: w.name, tag: `tag-${w.name}`, tags: null, last_deployed_from: 'wrangler' },
    },
  };
}

/** The wire form of a version (Workers Versions API). */
function versionOf(v: StoredVersion) {
  return {
    id: v.id,
    number: v.number,
    metadata: {
      created_on: v.created_on,
      modified_on: v.created_on,
      source: 'wrangler',
      author_id: 'stand-in',
      author_email: 'ci@example.com',
    },
    annotations: v.annotations,
    resources: {
      bindings: v.bindings,
      script: { etag: `etag-${v.id}`, handlers: ['fetch'], last_deployed_from: 'wrangler' },
      script_runtime: {
        compatibility_date: v.compatibilityDate,
        compatibility_flags: v.compatibilityFlags,
        usage_model: 'standard',
        limits: {},
      },
    },
    startup_time_ms: 1,
  };
}

function listVersions(w: StoredWorker) {
  return [...w.versions].reverse().map(versionOf);
}

function getVersion(state: CloudflareState, req: Request) {
  const version = worker(state, req.params[1]).versions.find((v) => v.id === req.params[2]);
  if (!version) throw new ApiError(404, 10220, 'version not found');
  return versionOf(version);
}

interface UploadPart {
  type: string;
  text(): Promise<string>;
}

/** Reads a multipart Worker upload: the metadata part and the modules. */
async function readUpload(req: Request): Promise<Omit<StoredVersion, 'id' | 'number' | 'created_on'>> {
  const form = await new Response(req.body, { headers: { 'content-type': req.contentType } }).formData();
  // Node's own FormData (the project's global types are the Workers runtime's).
  const entries = [...(form as unknown as Iterable<[string, string | UploadPart]>)];
  const part = entries.find(([name]) => name === 'metadata')?.[1];
  const metadata = JSON.parse(typeof part === 'string' ? part : ((await part?.text()) ?? '{}')) as {
    main_module: string;
    bindings?: Binding[];
    compatibility_date?: string;
    compatibility_flags?: string[];
    annotations?: Record<string, string | undefined>;
  };
  const modules: StoredVersion['modules'] = [];
  for (const [name, file] of entries) {
    if (name === 'metadata' || typeof file === 'string' || file.type === 'application/source-map') continue;
    modules.push({ name, type: file.type, contents: await file.text() });
  }
  const annotations = Object.fromEntries(
    Object.entries(metadata.annotations ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  return {
    annotations,
    bindings: metadata.bindings ?? [],
    mainModule: metadata.main_module,
    modules,
    compatibilityDate: metadata.compatibility_date ?? '2026-05-01',
    compatibilityFlags: metadata.compatibility_flags ?? [],
  };
}

function addVersion(
  w: StoredWorker,
  upload: Awaited<ReturnType<typeof readUpload>>,
  triggeredBy: string,
): StoredVersion {
  const version: StoredVersion = {
    ...upload,
    annotations: { ...upload.annotations, 'workers/triggered_by': triggeredBy },
    id: randomUUID(),
    number: w.versions.length + 1,
    created_on: new Date(Date.now() + w.versions.length).toISOString(),
  };
  w.versions.push(version);
  return version;
}

/** Secrets a version must inherit (`inherit` bindings) must exist on the Worker. */
function checkInherited(w: StoredWorker, bindings: Binding[]): void {
  const missing = bindings.filter((b) => b.type === 'inherit' && !w.secrets.has(b.name));
  if (missing.length > 0) {
    throw new ApiError(400, 10057, missing.map((b) => `inherit binding '${b.name}' is invalid`).join('; '));
  }
}

/** `wrangler deploy` of a Worker that does not exist yet: creates it, deployed at 100 %. */
async function createScript(state: CloudflareState, req: Request) {
  const name = req.params[1] ?? '';
  const upload = await readUpload(req);
  const w = state.workers.get(name) ?? newWorker(state, name);
  checkInherited(w, upload.bindings);
  const version = addVersion(w, upload, 'upload');
  deploy(w, [{ version_id: version.id, percentage: 100 }], { 'workers/triggered_by': 'upload' });
  return { id: name, etag: `etag-${version.id}`, deployment_id: version.id, startup_time_ms: 1 };
}

function newWorker(state: CloudflareState, name: string): StoredWorker {
  const w: StoredWorker = {
    name,
    created_on: new Date().toISOString(),
    versions: [],
    deployments: [],
    secrets: new Map(),
    subdomain: { enabled: false, previews_enabled: false },
  };
  state.workers.set(name, w);
  return w;
}

/** `wrangler versions upload`: a new version, not deployed. A missing Worker is an error. */
async function uploadVersion(state: CloudflareState, req: Request) {
  const w = worker(state, req.params[1]);
  const upload = await readUpload(req);
  checkInherited(w, upload.bindings);
  const version = addVersion(w, upload, 'upload');
  return { ...versionOf(version), metadata: { ...versionOf(version).metadata, has_preview: false } };
}

function deploy(
  w: StoredWorker,
  versions: StoredDeployment['versions'],
  annotations: Record<string, string>,
) {
  const deployment = {
    id: randomUUID(),
    source: 'wrangler',
    strategy: 'percentage' as const,
    author_email: 'ci@example.com',
    created_on: new Date().toISOString(),
    annotations,
    versions,
  };
  w.deployments.unshift(deployment);
  return deployment;
}

type StoredDeployment = StoredWorker['deployments'][number];

/** `wrangler versions deploy`: the versions must exist and their shares add up to 100. */
function createDeployment(state: CloudflareState, req: Request) {
  const w = worker(state, req.params[1]);
  const body = json(req.body) as {
    versions: StoredDeployment['versions'];
    annotations?: Record<string, string>;
  };
  for (const v of body.versions) {
    if (!w.versions.some((known) => known.id === v.version_id))
      throw new ApiError(400, 10221, `unknown version ${v.version_id}`);
  }
  const total = body.versions.reduce((sum, v) => sum + v.percentage, 0);
  if (Math.abs(total - 100) > 0.001)
    throw new ApiError(400, 10222, `percentages add up to ${total}, not 100`);
  const annotations = Object.fromEntries(
    Object.entries(body.annotations ?? {}).filter(([, v]) => typeof v === 'string'),
  );
  return deploy(w, body.versions, annotations);
}

function listSecrets(state: CloudflareState, req: Request) {
  return [...worker(state, req.params[1]).secrets.keys()]
    .sort()
    .map((name) => ({ name, type: 'secret_text' }));
}

function setSubdomain(state: CloudflareState, req: Request) {
  const w = worker(state, req.params[1]);
  const body = json(req.body) as { enabled: boolean; previews_enabled?: boolean };
  w.subdomain = { enabled: body.enabled, previews_enabled: body.previews_enabled ?? body.enabled };
  return w.subdomain;
}

/** PUT the Worker's zone routes: they replace every route of this Worker (wrangler's publishRoutes). */
function putScriptRoutes(state: CloudflareState, req: Request) {
  const name = req.params[1] ?? '';
  worker(state, name);
  const wanted = json(req.body) as Array<{ pattern: string; zone_name?: string }>;
  state.routes = state.routes.filter((r) => r.script !== name);
  for (const route of wanted) {
    const zone = route.zone_name
      ? state.zoneNamed(route.zone_name)
      : state.zoneFor(route.pattern.replace(/^\*\./, '').replace(/\/.*$/, ''));
    if (!zone) throw new ApiError(400, 10020, `no zone for route ${route.pattern}`);
    state.routes.push({ id: hexId(), pattern: route.pattern, script: name, zone_id: zone.id });
  }
  return wanted.map((r) => ({ pattern: r.pattern, script: name }));
}

/** PUT the Worker's custom domains; with override_scope the list replaces all of its domains. */
function putDomainRecords(state: CloudflareState, req: Request) {
  const name = req.params[1] ?? '';
  worker(state, name);
  const body = json(req.body) as {
    override_scope?: boolean;
    origins: Array<{ hostname: string; zone_name?: string }>;
  };
  if (body.override_scope) state.domains = state.domains.filter((d) => d.service !== name);
  for (const origin of body.origins) {
    const zone = origin.zone_name ? state.zoneNamed(origin.zone_name) : state.zoneFor(origin.hostname);
    if (!zone) throw new ApiError(400, 100117, `no zone for ${origin.hostname}`);
    state.domains = state.domains.filter((d) => d.hostname !== origin.hostname);
    state.domains.push({
      id: hexId(),
      hostname: origin.hostname,
      service: name,
      environment: 'production',
      zone_id: zone.id,
      zone_name: zone.name,
    });
  }
  return null;
}

/** List Domains (documented): filters service, hostname, zone_name, environment. */
function listDomains(state: CloudflareState, req: Request) {
  return state.domains.filter((d) =>
    ['service', 'hostname', 'zone_name', 'environment'].every(
      (key) => !req.query.has(key) || d[key as 'service'] === req.query.get(key),
    ),
  );
}

function deleteDomain(state: CloudflareState, req: Request) {
  const before = state.domains.length;
  state.domains = state.domains.filter((d) => d.id !== req.params[1]);
  if (state.domains.length === before) throw new ApiError(404, 100114, 'domain not found');
  return null;
}

function zoneRoutes(state: CloudflareState, zoneId: string | undefined) {
  return state.routes
    .filter((r) => r.zone_id === zoneId)
    .map(({ id, pattern, script }) => ({ id, pattern, script }));
}

/** The Worker's zone routes across zones, with zone names (what wrangler's --from-dash reads). */
function serviceRoutes(state: CloudflareState, name: string | undefined) {
  worker(state, name, SERVICE_NOT_FOUND);
  return state.routes
    .filter((r) => r.script === name)
    .map((r) => ({
      id: r.id,
      pattern: r.pattern,
      script: r.script,
      zone_name: state.zones.find((z) => z.id === r.zone_id)?.name,
    }));
}

function deleteZoneRoute(state: CloudflareState, req: Request) {
  const route = state.routes.find((r) => r.zone_id === req.params[0] && r.id === req.params[1]);
  if (!route) throw new ApiError(404, 10005, 'route not found');
  state.routes = state.routes.filter((r) => r !== route);
  return { id: route.id };
}
