/**
 * Every relative link in README.md and docs/*.md leads somewhere: the file exists, and a
 * `#fragment` names a heading of that file (GitHub's anchors). Splitting the README moved
 * chapters between files; this keeps their cross-references whole.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchor } from '../../scripts/docs/reference.ts';
import { root } from '../cli/run-cli.ts';

/** Written on other branches, linked from the README before they land; checked once they exist. */
const PENDING = new Set<string>();

const files = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Markdown outside fenced code blocks. */
function prose(file: string): string[] {
  let fenced = false;
  return readFileSync(join(root, file), 'utf8')
    .split('\n')
    .filter((line) => {
      if (line.startsWith('```')) fenced = !fenced;
      return !fenced && !line.startsWith('```');
    });
}

/** GitHub's anchors for a file's headings (a repeated heading gets -1, -2, ...). */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(file)) {
    const heading = /^#{1,6} (.+)$/.exec(line)?.[1];
    if (!heading) continue;
    const base = anchor(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  }
  return out;
}

describe('links in the docs', () => {
  for (const file of files) {
    it(`${file}: every relative link has a target`, () => {
      const broken: string[] = [];
      for (const line of prose(file).map((text) => text.replace(/`[^`]*`/g, ''))) {
        for (const [, target = ''] of line.matchAll(/\]\(([^)\s]+)\)/g)) {
          if (/^[a-z]+:/.test(target)) continue;
          const [path = '', fragment] = target.split('#');
          const linked = path ? relative(root, join(root, dirname(file), path)) : file;
          if (!existsSync(join(root, linked))) {
            if (!PENDING.has(linked)) broken.push(`${target}: ${linked} does not exist`);
          } else if (fragment && linked.endsWith('.md') && !anchors(linked).has(fragment)) {
            broken.push(`${target}: ${linked} has no heading #${fragment}`);
          }
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
