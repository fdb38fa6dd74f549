/**
 * The real CLIs, run as a user runs them (`npm run check -- FILE`, `scripts/build.ts FILE
 * --out DIR`) from the repository root: exit codes, every error printed at once with a code frame,
 * GitHub annotations under Actions, and deterministic builds that write nothing on errors.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../scripts/compiler/analyze.ts';
import { renderTableModule, srcImportFrom } from '../../scripts/compiler/emit.ts';
import { run } from '../cli/run-cli.ts';

const root = join(import.meta.dirname, '../..');
const MULTI = 'test/compiler/fixtures/cli/multi-error.yaml';
const VALID = 'test/compiler/fixtures/valid/defaults.yaml';

const errorsIn = (file: string) =>
  analyze(readFileSync(join(root, file), 'utf8')).diagnostics.filter((d) => d.severity === 'error');

describe('check', () => {
  it('prints every error at once as FILE:LINE:COL  error  message with a code frame, and exits 1', async () => {
    const source = readFileSync(join(root, MULTI), 'utf8').split('\n');
    const errors = errorsIn(MULTI);
    expect(errors.length).toBeGreaterThanOrEqual(4);

    const result = await run('check.ts', [MULTI]);
    expect(result.status).toBe(1);
    const lines = result.stderr.split('\n');
    expect(lines.filter((l) => l.startsWith(`${MULTI}:`) && l.includes('  error  '))).toHaveLength(
      errors.length,
    );

    for (const d of errors) {
      const header = lines.indexOf(`${MULTI}:${d.line}:${d.col}  error  ${d.message}`);
      expect(header, `no header line for ${d.line}:${d.col} ${d.message}`).toBeGreaterThanOrEqual(0);
      // The frame: the line before, the offending line marked with '>', then a caret under the column.
      const marked = lines[header + 2] as string;
      const caret = lines[header + 3] as string;
      expect(marked).toMatch(new RegExp(`^ +> ${d.line} \\| `));
      // The line as written, but a user:password in a URL masked, character for character.
      const written = (source[d.line - 1] as string).replace(
        /\/\/[^/@\s]*@/,
        (m) => `//${'*'.repeat(m.length - 3)}@`,
      );
      expect(marked.slice(marked.indexOf(' | ') + 3)).toBe(written);
      expect(caret).toMatch(/^ +\| +\^$/);
      expect(caret.indexOf('|')).toBe(marked.indexOf('|'));
      expect(caret.indexOf('^') - caret.indexOf('|') - 2).toBe(d.col - 1);
    }
    expect(result.stderr).toContain(`${MULTI}: ${errors.length} errors`);
    expect(result.stdout).not.toContain('::error');
  });

  it('also prints GitHub annotations under GITHUB_ACTIONS=true', async () => {
    const errors = errorsIn(MULTI);
    const result = await run('check.ts', [MULTI], { env: { GITHUB_ACTIONS: 'true' } });
    expect(result.status).toBe(1);
    const annotations = result.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(annotations).toEqual(
      errors.map((d) => `::error file=${MULTI},line=${d.line},col=${d.col}::${d.message}`),
    );
  });

  it('says a file saved as UTF-16 is not UTF-8, instead of misreading it', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'check-utf16-'));
    try {
      const file = join(tmp, 'routes.yaml');
      const text = readFileSync(join(root, VALID), 'utf8');
      writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
      const result = await run('check.ts', [file]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /routes\.yaml:1:\d+ {2}error {2}the file holds NUL bytes: save it as UTF-8/,
      );
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('exits 0 on a valid file', async () => {
    const result = await run('check.ts', [VALID]);
    expect(result.stderr).toContain(`${VALID}: OK, 4 routes on 4 hosts`);
    expect(result.stderr).not.toContain('  error  ');
    expect(result.status).toBe(0);
  });
});

describe('build', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'build-cli-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const snapshot = (dir: string) =>
    Object.fromEntries(
      readdirSync(dir)
        .sort()
        .map((name) => [name, readFileSync(join(dir, name))]),
    );

  it('writes byte-identical output for the same input', async () => {
    const first = join(tmp, 'first');
    const second = join(tmp, 'second');
    for (const out of [first, second]) {
      const result = await run('build.ts', [VALID, '--out', out]);
      expect(result.stderr).toContain('OK');
      expect(result.status).toBe(0);
    }
    const a = snapshot(first);
    expect(Object.keys(a)).toContain('table.ts');
    expect(snapshot(second)).toEqual(a);
    const table = analyze(readFileSync(join(root, VALID), 'utf8')).table;
    expect(table).toBeDefined();
    expect(String(a['table.ts'])).toBe(
      renderTableModule(table as NonNullable<typeof table>, 'defaults.yaml', srcImportFrom(first)),
    );
  });

  it('fails with exit 1 and writes nothing on an invalid file', async () => {
    const out = join(tmp, 'invalid');
    const result = await run('build.ts', [MULTI, '--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${MULTI}:6:13  error  `);
    expect(existsSync(out)).toBe(false);
  });
});
