/**
 * The table src/index.ts serves in the workerd suites: test/worker/fixtures/entry.yaml, built by
 * `npm run build`'s own `main` into test/.generated/ (git-ignored). The plugin points the one
 * import `./generated/table.ts` in src/index.ts at that build, so entry.test.ts tests the real
 * entry over a fixture, whatever the live routes.yaml holds and whether or not it was built.
 * The default export is the worker project's globalSetup that writes the build.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plugin } from 'vite';

const root = resolve(import.meta.dirname, '../..');
const fixture = join(root, 'test/worker/fixtures/entry.yaml');
const outDir = join(root, 'test/.generated/worker-entry');
const entry = join(root, 'src/index.ts');

/**
 * Resolves `./generated/table.ts` from src/index.ts to the fixture build, and nothing else.
 * @example plugins: [entryTablePlugin(), cloudflareTest(...)]
 */
export function entryTablePlugin(): Plugin {
  return {
    name: 'edge-router:entry-fixture-table',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === './generated/table.ts' && importer !== undefined && resolve(importer) === entry)
        return join(outDir, 'table.ts');
      return undefined;
    },
  };
}

/** globalSetup: builds the fixture (failing the run with build's own errors), removes it after. */
export default async function setup(): Promise<() => void> {
  const { main } = await import('../../scripts/build.ts');
  const { runCommand } = await import('../cli/in-process.ts');
  const built = await runCommand(main, [fixture, '--out', outDir], { cwd: root });
  if (built.status !== 0) throw new Error(`building ${fixture} failed:\n${built.stdout}${built.stderr}`);
  return () => rmSync(outDir, { recursive: true, force: true });
}
