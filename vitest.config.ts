import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // The compiler and CLI run in Node, as they do for users (ajv compiles code at run time,
        // which workerd forbids).
        test: {
          name: 'cli',
          include: ['test/compiler/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/docs/**/*.test.ts'],
          testTimeout: 60_000,
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
          cloudflareTest(({ inject }) => ({
            main: './src/index.ts',
            wrangler: { configPath: './wrangler.toml' },
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
              },
            },
          })),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          globalSetup: ['test/origin/global-setup.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
