/**
 * `npm run fuzz -- [--runs N] [--seed S]`: the generated path test of
 * test/worker/path-property.test.ts at a larger size (default 20,000 cases), inside workerd
 * against the real echo origin. Prints cases per second; on a failure prints the seed and the
 * failing path, and keeps the path in test/worker/fixtures/path-regressions.json so every later
 * `npm test` checks it first. Exit 0 when the property holds, 1 when it does not.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Io, runIfMain } from './cli/io.ts';
import { projectRoot } from './serve/local-router.ts';

const FIXTURE = join(projectRoot, 'test/worker/fixtures/path-regressions.json');

/** @example await main(['--runs', '50000'], io) // 0 when every generated path keeps the invariant */
export async function main(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { runs: { type: 'string' }, seed: { type: 'string' } },
  });
  const runs = values.runs ?? '20000';
  if (!/^\d+$/.test(runs) || (values.seed !== undefined && !/^-?\d+$/.test(values.seed))) {
    io.err('usage: npm run fuzz -- [--runs N] [--seed S]  (whole numbers)');
    return 1;
  }
  const started = Date.now();
  const output = await runVitest({ FUZZ_RUNS: runs, FUZZ_SEED: values.seed ?? '' }, Number(runs));
  // The test prints its own timing, but vitest's reporter drops a passing test's output.
  const summary = /path property: .*cases\/s\)/.exec(output.text)?.[0] ?? measured(runs, started);
  if (output.code === 0) {
    io.out(summary);
    return 0;
  }
  const seed = /seed: (-?\d+)/.exec(output.text)?.[1];
  const failing = /Counterexample: \["((?:[^"\\]|\\.)*)"\]/.exec(output.text)?.[1];
  if (!failing) {
    io.err(output.text);
    io.err('fuzz: the test run failed before the property could be checked (output above)');
    return 1;
  }
  const path = JSON.parse(`"${failing}"`) as string;
  keepRegression(path);
  io.err(`fuzz: FAILED for path ${JSON.stringify(path)} (seed ${seed ?? 'unknown'})`);
  io.err(
    `kept in ${FIXTURE.slice(projectRoot.length + 1)}; rerun with: npm run fuzz -- --runs ${runs} --seed ${seed}`,
  );
  return 1;
}

/** The run's own timing, workerd's start included: `path property: 50000 cases in 70.1 s (713 cases/s)`. */
function measured(runs: string, started: number): string {
  const seconds = (Date.now() - started) / 1000;
  return `path property: ${runs} cases in ${seconds.toFixed(1)} s (${Math.round(Number(runs) / seconds)} cases/s, workerd's start included)`;
}

/** Adds a failing path to the regression fixture, once. */
function keepRegression(path: string): void {
  const kept = JSON.parse(readFileSync(FIXTURE, 'utf8')) as string[];
  if (!kept.includes(path)) writeFileSync(FIXTURE, `${JSON.stringify([...kept, path], null, 2)}\n`);
}

/**
 * Time allowed per generated case. The suite's 60 s test timeout fits `npm test`'s 1,000 cases,
 * not these runs: every case prints the Worker's log line, which with --silent=false makes a case
 * take about 3 ms, so 20,000 cases already ran into the 60 s limit (and 50,000 always did).
 */
const MS_PER_CASE = 20;

function runVitest(env: Record<string, string>, runs: number): Promise<{ code: number; text: string }> {
  const vitest = join(projectRoot, 'node_modules', '.bin', 'vitest');
  const timeout = Math.max(60_000, runs * MS_PER_CASE);
  const args = [
    'run',
    '--project',
    'worker',
    'test/worker/path-property.test.ts',
    '--silent=false',
    `--testTimeout=${timeout}`,
  ];
  const child = spawn(vitest, args, { cwd: projectRoot, env: { ...process.env, ...env, NO_COLOR: '1' } });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk;
  });
  return new Promise((done) => child.on('close', (code) => done({ code: code ?? 1, text })));
}

runIfMain(import.meta.url, main);
