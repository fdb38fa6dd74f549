/**
 * `npm run docs [-- --check]`: regenerates the routes.yaml reference in README.md (between
 * `<!-- reference:start -->` and `<!-- reference:end -->`) from schema/routes.schema.json.
 * Nothing outside the markers changes. `--check` writes nothing and exits 1 when the README
 * is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Schema, updateReadme } from './docs/reference.ts';
import { projectRoot } from './serve/local-router.ts';

const readmePath = join(projectRoot, 'README.md');
const schema = JSON.parse(readFileSync(join(projectRoot, 'schema/routes.schema.json'), 'utf8')) as Schema;
const readme = readFileSync(readmePath, 'utf8');
const updated = updateReadme(readme, schema);

if (process.argv.includes('--check')) {
  if (updated !== readme) {
    console.error('README.md: the routes.yaml reference is stale. Run `npm run docs`.');
    process.exitCode = 1;
  } else console.error('README.md: the routes.yaml reference is up to date.');
} else {
  if (updated !== readme) writeFileSync(readmePath, updated);
  console.error(
    `README.md: routes.yaml reference ${updated === readme ? 'already up to date' : 'regenerated'}.`,
  );
}
