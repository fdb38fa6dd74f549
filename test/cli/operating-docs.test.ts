/**
 * The ```console examples of docs/operating.md are real output: each `$ npm run stats ...` and
 * `$ npm run logs ...` block is run here and must print exactly what the chapter shows. `stats`
 * runs against the SQL API stand-in answering the rows recorded in
 * test/cli/fixtures/stats-example.json; `logs` reads the recorded tail capture the block names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as logsMain } from '../../scripts/logs.ts';
import { main as statsMain } from '../../scripts/stats.ts';
import { type SqlStandIn, type StandInRow, startSqlStandIn } from '../stand-ins/analytics-sql.ts';
import { runCommand } from './in-process.ts';
import { fixture, root } from './run-cli.ts';

type Rows = { summary: StandInRow[]; errors: StandInRow[] };
const examples = JSON.parse(readFileSync(fixture('stats-example.json'), 'utf8')) as Record<string, Rows>;
const doc = readFileSync(join(root, 'docs', 'operating.md'), 'utf8');

/** Each ```console block: the command after `$ `, and the output shown under it. */
const blocks = [...doc.matchAll(/```console\n\$ (.+)\n([\s\S]*?)```/g)].map((m) => ({
  command: m[1] ?? '',
  shown: m[2] ?? '',
}));

let api: SqlStandIn;
let rows: Rows | undefined;
beforeAll(async () => {
  api = await startSqlStandIn({ account: 'docs', token: 'docs-token' });
  api.answer = (sql) => (sql.includes('AS error') ? rows?.errors : rows?.summary) ?? [];
});
afterAll(() => api.close());

describe('docs/operating.md examples', () => {
  it('has examples for stats and logs', () => {
    expect(blocks.map((b) => b.command.split(' ').slice(0, 3).join(' '))).toEqual([
      'npm run stats',
      'npm run stats',
      'npm run stats',
      'npm run logs',
      'npm run logs',
    ]);
  });

  it.each(blocks.map((b) => [b.command, b] as const))(
    '%s prints what the chapter shows',
    async (_, block) => {
      const [, , name, dashes, ...args] = block.command.split(' ');
      expect(dashes).toBe('--');
      const env = {
        CLOUDFLARE_API_BASE_URL: api.base,
        CLOUDFLARE_ACCOUNT_ID: 'docs',
        CLOUDFLARE_API_TOKEN: 'docs-token',
      };
      rows = examples[args.includes('--version') ? 'compare' : (args[args.indexOf('--since') + 1] ?? '')];
      const main = name === 'stats' ? statsMain : logsMain;
      const { stdout, stderr } = await runCommand(main, args, { cwd: root, env });
      expect(stdout + stderr).toBe(block.shown);
    },
  );
});
