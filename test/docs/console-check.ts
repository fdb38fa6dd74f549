/**
 * Checks one documented console block against the real commands. The comment directly above
 * the block says where it runs:
 *
 *   <!-- console-check: fixture=test/docs/NAME -->
 *       in a fresh copy of that folder (the routes.yaml / routes.test.yaml of that moment);
 *   <!-- console-check: fixture=test/docs/NAME git-main=test/docs/BASE -->
 *       the same, inside a new git repository whose branch `main` holds BASE (for `plan`);
 *   <!-- console-check: skip (WHY) -->
 *       not run, for the reason given (a server that runs until Ctrl-C, wrangler talking to
 *       Cloudflare).
 *
 * Each `$ npm run NAME -- ARGS` runs in-process through test/cli/run-cli.ts, and everything it
 * prints (stdout and stderr, in order) must equal the lines under it; a line `...` stands for
 * any number of lines. A block with no such comment, or with a command that cannot run here,
 * is a failure.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, run } from '../cli/run-cli.ts';
import { elidedMatch } from './elided-match.ts';
import type { ConsoleBlock, ConsoleCommand } from './markdown-console.ts';
import { shellWords } from './shell-words.ts';

export type Directive = { skip: string } | { fixture: string; gitMain?: string };

const DIRECTIVE =
  /^console-check:\s*(?:skip \((?<why>.+)\)|fixture=(?<fixture>\S+)(?:\s+git-main=(?<main>\S+))?)$/;
const HOW =
  'put <!-- console-check: fixture=test/docs/NAME --> or <!-- console-check: skip (WHY) --> directly above it';

/**
 * What the comment above a block asks for, or the problem with it.
 * @example directive('console-check: skip (runs until Ctrl-C)') // { skip: 'runs until Ctrl-C' }
 */
export function directive(comment: string | null): Directive | string {
  const match = comment === null ? null : DIRECTIVE.exec(comment);
  if (!match?.groups) return `the block says nothing about how to check it: ${HOW}`;
  const { why, fixture, main } = match.groups;
  if (why) return { skip: why };
  for (const folder of [fixture, main]) {
    if (folder && !existsSync(join(root, folder))) return `${folder} does not exist`;
  }
  return { fixture: fixture as string, ...(main ? { gitMain: main } : {}) };
}

/**
 * Runs the block's commands and returns what does not hold (empty when the block is true).
 * @example await checkBlock(consoleBlocks(readme, 'README.md')[0]) // []
 */
export async function checkBlock(block: ConsoleBlock): Promise<string[]> {
  const how = directive(block.comment);
  if (typeof how === 'string') return [how];
  if ('skip' in how) return [];
  if (block.orphans.length > 0) return [`output with no "$ " command above it: ${block.orphans[0]}`];
  if (block.commands.length === 0) return ['the block shows no "$ " command'];
  const cwd = workingCopy(how);
  try {
    const problems: string[] = [];
    for (const command of block.commands) problems.push(...(await checkCommand(command, cwd)));
    return problems;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** Runs one `$` line in `cwd` and compares what it printed. */
async function checkCommand(command: ConsoleCommand, cwd: string): Promise<string[]> {
  const at = `line ${command.line}: $ ${command.text}`;
  let invocation: { script: string; args: string[] };
  try {
    invocation = npmScript(shellWords(command.text));
  } catch (error) {
    return [
      `${at}: cannot be run here (${(error as Error).message}); mark the block console-check: skip (WHY)`,
    ];
  }
  let printed: string;
  try {
    printed = (await run(`${invocation.script}.ts`, invocation.args, { cwd })).output;
  } catch (error) {
    return [`${at}: ${(error as Error).message}`];
  }
  const actual = printed.replace(/\n+$/, '').split('\n');
  if (elidedMatch(command.expected, actual)) return [];
  return [`${at}: the docs show\n${command.expected.join('\n')}\n--- but it prints\n${actual.join('\n')}`];
}

/** `npm run NAME [-- ARGS]` as the script and its arguments; anything else cannot run in-process. */
function npmScript(words: string[]): { script: string; args: string[] } {
  const [npm, verb, script, separator, ...args] = words;
  if (npm !== 'npm' || verb !== 'run' || !script)
    throw new Error('only `npm run NAME -- ARGS` runs in-process');
  if (separator !== undefined && separator !== '--') throw new Error('arguments go after `--`');
  return { script, args };
}

/** A fresh folder holding the fixture, inside a git repository when the block needs one. */
function workingCopy(how: { fixture: string; gitMain?: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'console-block-'));
  if (how.gitMain) {
    cpSync(join(root, how.gitMain), dir, { recursive: true });
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', how.gitMain);
  }
  cpSync(join(root, how.fixture), dir, { recursive: true });
  return dir;
}

function git(cwd: string, ...args: string[]): void {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Docs',
      GIT_AUTHOR_EMAIL: 'docs@example.com',
      GIT_COMMITTER_NAME: 'Docs',
      GIT_COMMITTER_EMAIL: 'docs@example.com',
      GIT_CONFIG_GLOBAL: '/dev/null',
    },
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
}
