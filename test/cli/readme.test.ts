/**
 * The README's routes.yaml reference is generated from the schema (`npm run docs`); this fails
 * when the schema changed and the README was not regenerated, or when the schema grew an object
 * the reference has no table for.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  anchor,
  currentSection,
  documentedDefs,
  END_MARKER,
  renderReference,
  replaceSection,
  type Schema,
  START_MARKER,
  updateReadme,
} from '../../scripts/docs/reference.ts';

const root = resolve(import.meta.dirname, '../..');
const schema = JSON.parse(readFileSync(join(root, 'schema/routes.schema.json'), 'utf8')) as Schema;
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README routes.yaml reference', () => {
  it('matches the schema (run `npm run docs` after editing schema/routes.schema.json)', () => {
    const section = currentSection(readme);
    expect(section, `README.md needs ${START_MARKER} and ${END_MARKER}`).not.toBeNull();
    expect(section).toBe(currentSection(updateReadme(readme, schema)));
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
    const anchors = new Set([...text.matchAll(/^### (.+)$/gm)].map((m) => anchor(m[1] ?? '')));
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
