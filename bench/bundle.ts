/**
 * Bundles a Worker the way a deploy would (`wrangler deploy --dry-run --outdir`) and reports the
 * upload size, raw and gzip.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { renderTableModule } from '../scripts/compiler/emit.ts';
import type { CompiledTable } from '../src/table/types.ts';

export interface Bundle {
  scriptPath: string;
  bytes: number;
  gzipBytes: number;
}

const OUT = resolve('bench/.out');
export const COMPATIBILITY_DATE = '2026-05-01';

/** Bundles an entry module with wrangler's dry run. */
export function bundleEntry(name: string, entry: string): Bundle {
  const dir = join(OUT, name);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'wrangler.json');
  writeFileSync(
    config,
    JSON.stringify({
      name: `bench-${name}`,
      main: relative(dir, entry),
      compatibility_date: COMPATIBILITY_DATE,
    }),
  );
  execFileSync(
    'npx',
    ['wrangler', 'deploy', '--dry-run', '--outdir', join(dir, 'dist'), '--config', config],
    {
      stdio: 'pipe',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
    },
  );
  const scriptPath = join(dir, 'dist', `${basename(entry).replace(/\.[jt]s$/, '')}.js`);
  const code = readFileSync(scriptPath);
  return { scriptPath, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

/**
 * Writes a router entry over `table` and bundles it.
 * @example bundleRouter('r10', table).gzipBytes
 */
export function bundleRouter(name: string, table: CompiledTable): Bundle {
  const dir = join(OUT, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'table.ts'),
    renderTableModule(table, `${name}.yaml`).replaceAll(
      '../table/',
      `${relative(dir, resolve('src/table'))}/`,
    ),
  );
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    [
      `import { createWorker } from '${relative(dir, resolve('src/worker.ts'))}';`,
      "import { table } from './table.ts';",
      '',
      'export default createWorker(table);',
      '',
    ].join('\n'),
  );
  return bundleEntry(name, entry);
}
