/**
 * Every ```console block in README.md and docs/*.md shows what its commands really print: each
 * is run in-process against its fixture (console-check.ts says how a block is marked).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../cli/run-cli.ts';
import { checkBlock, directive } from './console-check.ts';
import { consoleBlocks } from './markdown-console.ts';

const files = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const blocks = files.flatMap((file) => consoleBlocks(readFileSync(join(root, file), 'utf8'), file));
const checked = blocks.filter((block) => {
  const how = directive(block.comment);
  return typeof how === 'string' || !('skip' in how);
});

describe('console blocks in the docs', () => {
  it('are found in the README and in docs/', () => {
    expect(checked.some((block) => block.file === 'README.md')).toBe(true);
    expect(checked.some((block) => block.file.startsWith('docs/'))).toBe(true);
  });

  for (const block of checked) {
    const title = block.commands.map((command) => `$ ${command.text}`).join('; ') || '(no command)';
    it(`${block.file}:${block.line} ${title}`, async () => {
      expect((await checkBlock(block)).join('\n\n')).toBe('');
    });
  }
});

/** One block of Markdown, checked as the docs are. */
async function problemsOf(markdown: string): Promise<string> {
  const [block] = consoleBlocks(markdown, 'example.md');
  if (!block) throw new Error('no console block in the example');
  return (await checkBlock(block)).join('\n');
}

const SHIPPED = '<!-- console-check: fixture=test/docs/shipped -->';

describe('the console block check', () => {
  it('passes a block that shows exactly what the command prints', async () => {
    const ok = [
      SHIPPED,
      '```console',
      '$ npm run check',
      'routes.yaml: OK, 1 routes on 1 hosts',
      'routes.test.yaml: all 8 cases pass; cases reach 1 of 1 routes',
      '```',
    ];
    expect(await problemsOf(ok.join('\n'))).toBe('');
  });

  it('fails a block whose output differs, showing both', async () => {
    const stale = [SHIPPED, '```console', '$ npm run check', 'routes.yaml: OK, 2 routes on 2 hosts', '```'];
    const problems = await problemsOf(stale.join('\n'));
    expect(problems).toContain('the docs show\nroutes.yaml: OK, 2 routes on 2 hosts\n--- but it prints');
    expect(problems).toContain('routes.yaml: OK, 1 routes on 1 hosts');
  });

  it('lets a `...` line stand for any lines, and nothing else', async () => {
    const elided = [
      SHIPPED,
      '```console',
      '$ npm run check',
      '...',
      'routes.test.yaml: all 8 cases pass; cases reach 1 of 1 routes',
      '```',
    ];
    expect(await problemsOf(elided.join('\n'))).toBe('');
    const trimmed = [SHIPPED, '```console', '$ npm run check', 'routes.yaml: OK, 1 routes on 1 hosts', '```'];
    expect(await problemsOf(trimmed.join('\n'))).toContain('but it prints');
  });

  it('fails an unmarked block, and one whose commands cannot run in-process unless it says why', async () => {
    expect(await problemsOf('```console\n$ npm run check\nOK\n```')).toContain(
      'put <!-- console-check: fixture=test/docs/NAME --> or <!-- console-check: skip (WHY) --> directly above it',
    );
    expect(await problemsOf(`${SHIPPED}\n\`\`\`console\n$ npm start\n\`\`\``)).toContain(
      'cannot be run here (only `npm run NAME -- ARGS` runs in-process)',
    );
    expect(await problemsOf(`${SHIPPED}\n\`\`\`console\n$ npm run check | head -1\n\`\`\``)).toContain(
      'cannot be run here ("|" needs a real shell)',
    );
    expect(await problemsOf(`${SHIPPED}\n\`\`\`console\n$ npm run dev\n\`\`\``)).toContain(
      'no in-process entry for dev.ts',
    );
    const skipped = '<!-- console-check: skip (runs until Ctrl-C) -->\n```console\n$ npm start\n```';
    expect(await problemsOf(skipped)).toBe('');
  });
});
