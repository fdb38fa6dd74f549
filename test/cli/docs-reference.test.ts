/**
 * The routes.yaml reference in docs/reference.md is generated from the schema (`npm run docs`);
 * this fails when the schema changed and the reference was not regenerated, or when the schema
 * grew an object the reference has no table for.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  anchor,
  currentSection,
  documentedDefs,
  END_MARKER,
  renderReference,
  replaceSection,
  type Schema,
  START_MARKER,
  updateReference,
} from '../../scripts/docs/reference.ts';
import { root, run } from './run-cli.ts';

const schema = JSON.parse(readFileSync(join(root, 'schema/routes.schema.json'), 'utf8')) as Schema;
const reference = readFileSync(join(root, 'docs/reference.md'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'docs-reference-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('docs/reference.md', () => {
  it('matches the schema (run `npm run docs` after editing schema/routes.schema.json)', () => {
    const section = currentSection(reference);
    expect(section, `docs/reference.md needs ${START_MARKER} and ${END_MARKER}`).not.toBeNull();
    expect(section).toBe(currentSection(updateReference(reference, schema)));
  });

  it('has a table for every object in the schema and a row for every field', () => {
    const objects = Object.entries(schema.$defs ?? {}).filter(([, def]) => def.properties);
    for (const [name] of objects) expect(documentedDefs(), `$defs.${name}`).toContain(name);
    const text = renderReference(schema);
    for (const [, def] of [['', schema] as const, ...objects]) {
      for (const field of Object.keys(def.properties ?? {})) {
        expect(text, field).toMatch(new RegExp(`^\\| \`${field}\` \\|`, 'm'));
      }
    }
  });

  it('links only to headings it contains', () => {
    const text = renderReference(schema);
    const anchors = new Set([...text.matchAll(/^## (.+)$/gm)].map((m) => anchor(m[1] ?? '')));
    const targets = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(anchors, target).toContain(target);
  });

  it('rewrites only what lies between the markers', () => {
    const before = `# Title\n\nIntro.\n\n${START_MARKER}\nold\n${END_MARKER}\n\n## After\n`;
    const after = replaceSection(before, 'new\n');
    expect(after).toBe(`# Title\n\nIntro.\n\n${START_MARKER}\nnew\n${END_MARKER}\n\n## After\n`);
    expect(currentSection(after)).toBe('new\n');
    expect(() => replaceSection('# No markers\n', 'x')).toThrow(/markers/);
  });
});

describe('npm run docs', () => {
  it('finds a stale reference with --check (exit 1), regenerates it, and then passes --check', async () => {
    mkdirSync(join(tmp, 'docs'));
    cpSync(join(root, 'schema'), join(tmp, 'schema'), { recursive: true });
    const stale = `# Reference\n\nKept.\n\n${START_MARKER}\nold\n${END_MARKER}\n\nAlso kept.\n`;
    writeFileSync(join(tmp, 'docs/reference.md'), stale);

    const check = await run('docs.ts', ['--check'], { cwd: tmp });
    expect(check.status).toBe(1);
    expect(check.stderr).toContain(
      'docs/reference.md: the routes.yaml reference is stale. Run `npm run docs`.',
    );
    expect(readFileSync(join(tmp, 'docs/reference.md'), 'utf8')).toBe(stale);

    expect((await run('docs.ts', [], { cwd: tmp })).status).toBe(0);
    const written = readFileSync(join(tmp, 'docs/reference.md'), 'utf8');
    expect(written.startsWith('# Reference\n\nKept.\n\n')).toBe(true);
    expect(written.endsWith(`${END_MARKER}\n\nAlso kept.\n`)).toBe(true);
    expect(currentSection(written)).toBe(currentSection(reference));
    expect((await run('docs.ts', ['--check'], { cwd: tmp })).status).toBe(0);
  });
});
