/**
 * `npm run plan` on a real temporary git repository: a first commit, then a change that adds a
 * host, changes a TTL and removes a route; each shows in the Markdown and the JSON, with exit
 * codes 0 (no change), 2 (changes) and 1 (bad ref, invalid file). Added and changed routes show
 * their effective policy; deep wildcards carry a TLS warning; changes to the Worker's own code
 * are listed. A secret's value, a literal header value and a redirect's query values never appear.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../scripts/cli/plan-diff.ts';
import { run } from './run-cli.ts';

const SECRET_VALUE = 'value-of-the-origin-key-7f3a';
const PASTED_TOKEN = 'sk_live_pasted_51HxQ';

const FIRST = `version: 1
secrets: [ORIGIN_API_KEY]
vars: { API_REGION: eu }
routes:
  - id: api
    hosts: [api.example.com]
    origin: https://origin.example.net
    cache: { ttl: 60 }
    headers:
      request: { set: { X-Api-Key: "\${env.ORIGIN_API_KEY}" } }
  - id: old-site
    hosts: [old.example.com]
    redirect: { to: https://example.com }
`;

const TENANT_LITERAL = 'tenant-literal-93ab';
const REDIRECT_KEY = 'redirect-key-55c1';

const SECOND = `version: 1
secrets: [ORIGIN_API_KEY, BILLING_TOKEN]
vars: { API_REGION: us }
routes:
  - id: api
    hosts: [api.example.com, api2.example.com]
    origin: https://origin.example.net
    cache: { ttl: 300 }
    rate_limit: { limit: 50, period: 10 }
    headers:
      request:
        set:
          X-Api-Key: "\${env.ORIGIN_API_KEY}"
          Authorization: "Bearer ${PASTED_TOKEN}"
          X-Tenant: ${TENANT_LITERAL}
      response:
        set: { Cache-Control: "public, max-age=60" }
  - id: tenants
    hosts: ["*.shop.example.co.uk"]
    origin: https://tenants.example.net
    methods: [GET, POST]
    cors: { origins: ["https://app.example.com"], credentials: true }
    access: { allow: [203.0.113.0/24] }
    timeout: 5s
  - id: previews
    hosts: ["*.preview.example.com", "*.example.org"]
    origin: https://previews.example.net
  - id: moved
    hosts: [moved.example.com]
    redirect: { to: "https://example.com/in?key=${REDIRECT_KEY}&utm_source=plan" }
`;

let repo: string;

const gitEnv = () => ({
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_GLOBAL: '/dev/null',
});

function git(...args: string[]): string {
  const result = spawnSync('git', args, { cwd: repo, encoding: 'utf8', env: gitEnv() });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

function commit(text: string, message: string): void {
  writeFileSync(join(repo, 'routes.yaml'), text);
  git('add', 'routes.yaml');
  git('commit', '-q', '-m', message);
}

/** Runs plan inside the repository, with the secret set in the environment as it would be locally. */
const plan = (...args: string[]) =>
  run('plan.ts', args, { cwd: repo, env: { ORIGIN_API_KEY: SECRET_VALUE } });

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'plan-repo-'));
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'README'), 'first commit without routes.yaml\n');
  git('add', 'README');
  git('commit', '-q', '-m', 'start');
  commit(FIRST, 'first table');
  // A local secrets file, as `wrangler dev` reads it: plan must not read or echo it.
  writeFileSync(join(repo, '.dev.vars'), `ORIGIN_API_KEY=${SECRET_VALUE}\n`);
  commit(SECOND, 'add a host, change a TTL, remove a route');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('plan', () => {
  it('shows the added host, the changed TTL and the removed route as Markdown, and exits 2', async () => {
    const result = await plan('HEAD~1');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(2);
    const md = result.stdout;
    expect(md).toContain('### Route plan against `HEAD~1`');
    // The changed route, field by field.
    expect(md).toContain('#### Route `api` changed');
    expect(md).toContain('| `hosts` | `[api.example.com]` | `[api.example.com, api2.example.com]` |');
    expect(md).toContain('| `cache.ttl` | `60` | `300` |');
    expect(md).toContain('| `rate_limit.limit` | _(not set)_ | `50` |');
    // Added and removed routes.
    expect(md).toMatch(
      /\| added \| `tenants` \| `\*\.shop\.example\.co\.uk` \| `\/` \| `https:\/\/tenants\.example\.net` \|/,
    );
    expect(md).toMatch(
      /\| removed \| `old-site` \| `old\.example\.com` \| `\/` \| `redirect 301 to https:\/\/example\.com` \|/,
    );
    // Domains the deploy attaches and detaches, with the right zone for a .co.uk wildcard.
    expect(md).toMatch(/\| attach \| `api2\.example\.com` \| custom domain \|/);
    expect(md).toMatch(
      /\| attach \| `\*\.shop\.example\.co\.uk\/\*` \| zone route \| zone `example\.co\.uk`/,
    );
    expect(md).toMatch(/\| detach \| `old\.example\.com` \| custom domain \|/);
    expect(md).toContain('takes over its DNS record');
    // Bindings, vars and secrets.
    expect(md).toMatch(/\| added \| `RL_API` \| \| `50 per 10 s \(namespace \d+\)` \|/);
    expect(md).toContain('| var changed | `API_REGION` | `eu` | `us` |');
    expect(md).toContain('| secret declared | `BILLING_TOKEN` |');
  });

  it('never prints a secret value or a credential written into a header', async () => {
    for (const args of [['HEAD~1'], ['HEAD~1', '--json'], ['HEAD~2'], ['HEAD~2', '--json']]) {
      const result = await plan(...args);
      expect(result.status).toBe(2);
      const output = result.stdout + result.stderr;
      expect(output).not.toContain(SECRET_VALUE);
      expect(output).not.toContain(PASTED_TOKEN);
      // Every literal header value is hidden unless its name is allow-listed, whatever the name.
      expect(output).not.toContain(TENANT_LITERAL);
      // Query values of a redirect target too.
      expect(output).not.toContain(REDIRECT_KEY);
    }
    const md = (await plan('HEAD~1')).stdout;
    expect(md).toContain('| `headers.request.set.Authorization` | _(not set)_ | `Bearer (hidden)` |');
    expect(md).toContain('| `headers.request.set.X-Tenant` | _(not set)_ | `(hidden)` |');
    // References and allow-listed headers and parameters stay readable.
    expect(md).toContain('| `headers.response.set.Cache-Control` | _(not set)_ | `public, max-age=60` |');
    expect(md).toContain('`redirect 301 to https://example.com/in?key=(hidden)&utm_source=plan`');
  });

  it('shows the full effective policy of added and changed routes', async () => {
    const md = (await plan('HEAD~1')).stdout;
    const block = (id: string) => {
      const start = md.indexOf(`<summary>Effective policy of \`${id}\``);
      expect(start, `policy block of ${id}`).toBeGreaterThan(-1);
      return md.slice(start, md.indexOf('</details>', start));
    };
    const tenants = block('tenants');
    expect(tenants).toContain('| methods | `GET, HEAD, POST` |');
    expect(tenants).toContain(
      '| CORS | `origins https://app.example.com; methods GET, HEAD, POST; headers none; credentials; max-age',
    );
    expect(tenants).toContain('| access | `allow 203.0.113.0/24; deny none` |');
    expect(tenants).toContain('| timeout | `5 s to headers (5 s per try)` |');
    expect(tenants).toContain('| cache | `off` |');
    expect(tenants).toContain('| rate limit | `none` |');
    // A changed route shows its policy after the change, secrets as references.
    const api = block('api');
    expect(api).toContain('after this change');
    expect(api).toContain('| cache | `TTL 300 s for statuses');
    expect(api).toContain('| rate limit | `50 per 10 s per client IP (IPv6 per /64)` |');
    expect(api).toContain(`set x-api-key: \${env.ORIGIN_API_KEY}; set authorization: Bearer (hidden)`);
    expect(api).toContain('| timeout | `30 s to headers (30 s per try)` |');
    const json = JSON.parse((await plan('HEAD~1', '--json')).stdout) as Plan;
    expect(json.routes.added.find((r) => r.id === 'tenants')?.policy).toContainEqual({
      setting: 'timeout',
      value: '5 s to headers (5 s per try)',
    });
  });

  it('warns that Universal SSL does not cover a wildcard two labels below its zone', async () => {
    const md = (await plan('HEAD~1')).stdout;
    const row = md.split('\n').find((l) => l.startsWith('| attach | `*.preview.example.com/*`'));
    expect(row).toContain('Universal SSL covers `example.com` and `*.example.com` only');
    // One label below the zone is covered: no warning.
    const org = md.split('\n').find((l) => l.startsWith('| attach | `*.example.org/*`'));
    expect(org).toBeDefined();
    expect(org).not.toContain('Universal SSL');
    const json = JSON.parse((await plan('HEAD~1', '--json')).stdout) as Plan;
    expect(json.tls).toEqual([
      { pattern: '*.preview.example.com/*', zone: 'example.com' },
      { pattern: '*.shop.example.co.uk/*', zone: 'example.co.uk' },
    ]);
  });

  it('prints the same plan as JSON with --json', async () => {
    const result = await plan('HEAD~1', '--json');
    expect(result.status).toBe(2);
    const p = JSON.parse(result.stdout) as Plan;
    expect(p.base).toBe('HEAD~1');
    expect(p.routes.added.map((r) => r.id)).toEqual(['moved', 'previews', 'tenants']);
    expect(p.routes.removed.map((r) => r.id)).toEqual(['old-site']);
    const api = p.routes.changed.find((c) => c.id === 'api');
    expect(api?.fields).toContainEqual({ field: 'cache.ttl', before: '60', after: '300' });
    expect(p.domains.attached).toEqual([
      { pattern: 'api2.example.com', custom_domain: true },
      { pattern: 'moved.example.com', custom_domain: true },
      { pattern: '*.example.org/*', zone_name: 'example.org' },
      { pattern: '*.preview.example.com/*', zone_name: 'example.com' },
      { pattern: '*.shop.example.co.uk/*', zone_name: 'example.co.uk' },
    ]);
    expect(p.domains.detached).toEqual([{ pattern: 'old.example.com', custom_domain: true }]);
    expect(p.secrets).toEqual({ added: ['BILLING_TOKEN'], removed: [] });
    expect(p.changeCount).toBeGreaterThan(0);
  });

  it('exits 0 with "No changes" when the working tree matches the ref', async () => {
    const result = await plan('HEAD');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('No changes');
    const json = await plan('HEAD', '--json');
    expect(json.status).toBe(0);
    expect((JSON.parse(json.stdout) as Plan).changeCount).toBe(0);
  });

  it('compares the working tree, not the last commit', async () => {
    writeFileSync(join(repo, 'routes.yaml'), SECOND.replace('ttl: 300', 'ttl: 30'));
    try {
      const result = await plan('HEAD');
      expect(result.status).toBe(2);
      expect(result.stdout).toContain('| `cache.ttl` | `300` | `30` |');
    } finally {
      writeFileSync(join(repo, 'routes.yaml'), SECOND);
    }
  });

  it("lists check's warnings on the new file, such as a detour around another route's rules", async () => {
    const alias = `${SECOND}  - id: mirror
    hosts: [mirror.example.com]
    origin: https://origin.example.net
`;
    writeFileSync(join(repo, 'routes.yaml'), alias);
    try {
      const result = await plan('HEAD');
      expect(result.status).toBe(2);
      const section = result.stdout.slice(result.stdout.indexOf('#### Warnings from `npm run check`'));
      expect(section).toMatch(
        /^- routes\.yaml:\d+:5 route "mirror" forwards \/ to \/ on https:\/\/origin\.example\.net, which route "api" serves with rate_limit/m,
      );
      const json = JSON.parse((await plan('HEAD', '--json')).stdout) as Plan;
      expect(json.warnings).toHaveLength(1);
    } finally {
      writeFileSync(join(repo, 'routes.yaml'), SECOND);
    }
  });

  it('shows a change to a hidden value as a change, without the value', async () => {
    // Compared as written, printed redacted: before, both sides printed "(hidden)" and the plan
    // said "No changes" while the deploy changed what origins and clients receive.
    const changed = SECOND.replace(TENANT_LITERAL, 'tenant-other-5d1e').replace(
      REDIRECT_KEY,
      'redirect-other-77e2',
    );
    writeFileSync(join(repo, 'routes.yaml'), changed);
    try {
      const result = await plan('HEAD');
      expect(result.status).toBe(2);
      expect(result.stdout).toContain(
        '| `headers.request.set.X-Tenant` | `(hidden)` | `(hidden) (changed)` |',
      );
      expect(result.stdout).toMatch(
        /\| `redirect\.to` \| `[^`]*key=\(hidden\)[^`]*` \| `[^`]*key=\(hidden\)[^`]*\(changed\)` \|/,
      );
      for (const secret of ['tenant-other-5d1e', 'redirect-other-77e2', TENANT_LITERAL, REDIRECT_KEY])
        expect(result.stdout).not.toContain(secret);
    } finally {
      writeFileSync(join(repo, 'routes.yaml'), SECOND);
    }
  });

  it('hides a bare query value and parameters after ;', async () => {
    const bare = SECOND.replace(`key=${REDIRECT_KEY}&utm_source=plan`, 'sk_live_BARE4&lang=en;key=SEMI9');
    writeFileSync(join(repo, 'routes.yaml'), bare);
    try {
      const result = await plan('HEAD');
      expect(result.status).toBe(2);
      expect(result.stdout).toContain('in?(hidden)&lang=en;key=(hidden)');
      expect(result.stdout).not.toContain('sk_live_BARE4');
      expect(result.stdout).not.toContain('SEMI9');
    } finally {
      writeFileSync(join(repo, 'routes.yaml'), SECOND);
    }
  });

  it('treats a file missing at the base (a first commit) as an empty table', async () => {
    const result = await plan('HEAD~2');
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(/\| added \| `api` \|/);
    expect(result.stdout).toMatch(/\| added \| `tenants` \|/);
    expect(result.stdout).not.toContain('| removed |');
  });

  it('exits 1 on a bad ref, a missing file, or an invalid file at either side', async () => {
    const badRef = await plan('no-such-branch');
    expect(badRef.status).toBe(1);
    expect(badRef.stderr).toContain('unknown git ref "no-such-branch"');
    expect(badRef.stdout).toBe('');

    const missing = await plan('HEAD', '--routes', 'nope.yaml');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('nope.yaml does not exist');

    writeFileSync(join(repo, 'routes.yaml'), FIRST.replace('ttl: 60', 'ttl: -5'));
    try {
      const invalidHead = await plan('HEAD');
      expect(invalidHead.status).toBe(1);
      expect(invalidHead.stderr).toMatch(/^routes\.yaml:\d+:\d+ +error +/m);
      expect(invalidHead.stdout).toBe('');
      // The same invalid file committed becomes an invalid base.
      git('commit', '-q', '-am', 'broken');
      writeFileSync(join(repo, 'routes.yaml'), SECOND);
      const invalidBase = await plan('HEAD');
      expect(invalidBase.status).toBe(1);
      expect(invalidBase.stderr).toMatch(/^HEAD:routes\.yaml:\d+:\d+ +error +/m);
    } finally {
      git('reset', '-q', '--hard', 'HEAD~1');
    }
  });

  it('needs exactly one ref', async () => {
    const result = await plan();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('usage: npm run plan -- BASE_REF');
  });
});

describe('plan: the Worker code routes.yaml does not show', () => {
  let code: string;
  const inCode = (...args: string[]) => {
    const result = spawnSync('git', args, { cwd: code, encoding: 'utf8', env: gitEnv() });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  };
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(code, path)), { recursive: true });
    writeFileSync(join(code, path), text);
  };

  beforeAll(() => {
    code = mkdtempSync(join(tmpdir(), 'plan-code-'));
    inCode('init', '-q', '-b', 'main');
    write('routes.yaml', FIRST);
    write('wrangler.toml', 'name = "edge-router"\ncompatibility_date = "2026-05-01"\n');
    write('src/worker.ts', 'export const version = 1;\n');
    write('src/generated/table.ts', '// build output\n');
    write('package-lock.json', '{"lockfileVersion": 3}\n');
    write('docs/notes.md', 'not part of the Worker\n');
    inCode('add', '.');
    inCode('commit', '-q', '-m', 'first');
  });
  afterAll(() => rmSync(code, { recursive: true, force: true }));

  it('lists changed source, settings and lockfile with exit 2 even when routes.yaml is the same', async () => {
    write('src/worker.ts', 'export const version = 2;\n');
    write('src/pipeline/new-stage.ts', 'export {};\n');
    write('wrangler.toml', 'name = "edge-router"\ncompatibility_date = "2026-06-01"\n');
    write('src/generated/table.ts', '// rebuilt\n');
    write('docs/notes.md', 'edited\n');
    const result = await run('plan.ts', ['HEAD'], { cwd: code });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stdout).toContain('Worker code changed (3 files)');
    expect(result.stdout).toContain('#### Worker code changed');
    for (const file of ['src/pipeline/new-stage.ts', 'src/worker.ts', 'wrangler.toml'])
      expect(result.stdout).toContain(`- \`${file}\``);
    // Build output and files outside the Worker's inputs are not listed.
    expect(result.stdout).not.toContain('src/generated');
    expect(result.stdout).not.toContain('docs/notes.md');
    expect(result.stdout).toContain('Compatibility date: `2026-05-01` → `2026-06-01`');
    const json = JSON.parse((await run('plan.ts', ['HEAD', '--json'], { cwd: code })).stdout) as Plan;
    expect(json.code).toEqual({
      files: ['src/pipeline/new-stage.ts', 'src/worker.ts', 'wrangler.toml'],
      compatibilityDate: { before: '2026-05-01', after: '2026-06-01' },
    });
    expect(json.routes.changed).toEqual([]);
  });
});
