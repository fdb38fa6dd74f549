import { availableParallelism } from 'node:os';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { LongFirst } from './test/long-first.ts';
import { entryTablePlugin } from './test/worker/entry-table.ts';
import { WorkerdNoise } from './test/worker/workerd-noise.ts';

/** cloudflareTest() without its one-time notice that the package was renamed (see the README). */
function withoutRenameNotice<T>(make: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('vitest-pool-workers has been renamed')) warn(...args);
  };
  try {
    return make();
  } finally {
    console.warn = warn;
  }
}

export default defineConfig({
  test: {
    // Vitest's default is one file at a time on two cores. Much of the suite waits (on route
    // timeouts, origins, servers starting), so three files at once on two cores: one file's wait
    // is another's CPU time (65 s -> 46-55 s on a fresh clone here; four gained nothing more).
    maxWorkers: Math.max(3, availableParallelism()),
    sequence: { sequencer: LongFirst },
    // Quiet: failures (with their console output) and the summary, nothing for passing tests.
    reporters: [
      'minimal',
      new WorkerdNoise(),
      ...(process.env.GITHUB_ACTIONS === 'true' ? ['github-actions'] : []),
    ],
    projects: [
      {
        // The compiler and CLI run in Node, as they do for users (ajv compiles code at run time,
        // which workerd forbids).
        test: {
          name: 'cli',
          include: ['test/compiler/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/docs/**/*.test.ts'],
          // Files share a Node process and its loaded modules (the compiler, ajv's compiled
          // schema) instead of starting one each; no file changes global state.
          isolate: false,
          testTimeout: 60_000,
          // Starting a language server or a git repository can take more than the default 10 s
          // on a busy machine.
          hookTimeout: 60_000,
        },
      },
      {
        // Real headless Chromium against `wrangler dev`: the browser judges CORS.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        // The Worker runs inside workerd against real local origins started by globalSetup.
        plugins: [
          entryTablePlugin(),
          withoutRenameNotice(() =>
            cloudflareTest(({ inject }) => ({
              main: './src/index.ts',
              wrangler: { configPath: './wrangler.toml' },
              // workerd's --verbose log prints a native stack for every refused or cut
              // connection, which the suites cause on purpose; failures still show.
              verbose: false,
              miniflare: {
                bindings: {
                  ORIGIN_PORT: String(inject('originPort')),
                  BACKUP_PORT: String(inject('backupPort')),
                  DEAD_PORT: String(inject('deadPort')),
                  TEST_SECRET: 'test-secret-value',
                  FUZZ_RUNS: process.env.FUZZ_RUNS ?? '',
                  FUZZ_SEED: process.env.FUZZ_SEED ?? '',
                },
                ratelimits: {
                  RL_LIMITED: { namespace_id: '1001', simple: { limit: 3, period: 60 } },
                  RL_KEYED: { namespace_id: '1002', simple: { limit: 2, period: 10 } },
                  RL_NETWORKS: { namespace_id: '1003', simple: { limit: 2, period: 60 } },
                  RL_BOTH: { namespace_id: '1004', simple: { limit: 3, period: 60 } },
                  RL_BOTH_2: { namespace_id: '1005', simple: { limit: 2, period: 60 } },
                  RL_TOKENS: { namespace_id: '1006', simple: { limit: 2, period: 60 } },
                },
              },
            })),
          ),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          globalSetup: ['test/origin/global-setup.ts', 'test/worker/entry-table.ts'],
          // One workerd for all files instead of one per file (about 1.5 s each); the suites
          // share nothing but the origins, and each uses its own hosts, keys and counters.
          isolate: false,
          testTimeout: 60_000,
        },
      },
    ],
  },
});
