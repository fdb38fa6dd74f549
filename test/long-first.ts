/**
 * The order vitest starts test files in. Until it has timings of a previous run (a fresh clone,
 * CI), vitest keeps the order it found the files in, and a file that waits on wrangler for half a
 * minute could start late and leave one worker running alone at the end. The files that take longest
 * (real wrangler runs, servers, route timeouts) start first; the rest keep vitest's order. A file
 * renamed or missing from the list only loses its place in the order.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Longest first, as measured on a 2-core machine (`npx vitest run --reporter=json`). */
const LONG = [
  'test/cli/deploy.test.ts',
  'test/cli/demo.test.ts',
  'test/cli/entry-points.test.ts',
  'test/cli/workflows.test.ts',
  'test/cli/dev.test.ts',
  'test/cli/deploy-environments.test.ts',
  'test/worker/client-body-clock.test.ts',
  'test/worker/timeouts.test.ts',
  'test/worker/misbehaving-origin.test.ts',
  'test/worker/failover.test.ts',
];

const rank = (file: TestSpecification): number => {
  const at = LONG.findIndex((path) => file.moduleId.endsWith(path));
  return at === -1 ? LONG.length : at;
};

export class LongFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return sorted
      .map((file, index) => ({ file, index }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.index - b.index)
      .map(({ file }) => file);
  }
}
