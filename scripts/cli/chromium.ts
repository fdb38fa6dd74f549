/**
 * Chromium for the browser tests (test/browser/), before `npm test` runs any suite: Debian's
 * `chromium` at /usr/bin/chromium, or the binary CHROMIUM_PATH names. When it is missing and
 * this user may install packages without being asked for a password (root, or passwordless
 * sudo), it is installed with apt-get, non-interactively; otherwise the test command stops at
 * once with the one command that installs it.
 */

import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import type { Io } from './io.ts';

/** Where the browser tests look for Chromium when CHROMIUM_PATH is not set. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The one command that installs it, for a person to run. */
export const INSTALL_COMMAND = 'sudo apt-get update && sudo apt-get install -y chromium';

/** What the decision asks of the machine; tests pass their own. */
export interface System {
  executable(path: string): boolean;
  hasAptGet(): boolean;
  isRoot(): boolean;
  /** `sudo -n true` succeeds: sudo runs without asking for a password. */
  passwordlessSudo(): boolean;
  /** Runs a command to completion; `output` is its stdout and stderr together. */
  run(argv: string[]): { status: number | null; output: string };
}

export type ChromiumPlan =
  | { action: 'none' }
  | { action: 'install'; commands: string[][] }
  | { action: 'fail'; message: string };

/**
 * What to do about Chromium on this machine.
 * @example planChromium({}, system) // { action: 'none' } when /usr/bin/chromium is there
 */
export function planChromium(env: Record<string, string | undefined>, system: System): ChromiumPlan {
  const custom = env.CHROMIUM_PATH;
  const path = custom || DEFAULT_CHROMIUM;
  if (system.executable(path)) return { action: 'none' };
  if (custom) {
    return {
      action: 'fail',
      message: `CHROMIUM_PATH=${custom} is not an executable file: point it at a Chromium binary, or unset it to use Debian's chromium at ${DEFAULT_CHROMIUM}.`,
    };
  }
  const missing = `${DEFAULT_CHROMIUM} is missing: the browser tests (test/browser/) drive Debian's headless chromium.`;
  if (!system.hasAptGet()) {
    return {
      action: 'fail',
      message: `${missing} This system has no apt-get: install Chromium and set CHROMIUM_PATH to its binary.`,
    };
  }
  const prefix = system.isRoot() ? [] : system.passwordlessSudo() ? ['sudo', '-n'] : undefined;
  if (!prefix) return { action: 'fail', message: `${missing} Install it with:\n  ${INSTALL_COMMAND}` };
  const apt = [...prefix, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'];
  return {
    action: 'install',
    commands: [
      [...apt, 'update'],
      [...apt, 'install', '-y', 'chromium'],
    ],
  };
}

/**
 * Makes sure Chromium is there: 0 when it is (installed now if need be), 1 with the reason and
 * the command to run on stderr when it is not. Silent when it was already there.
 * @example if (ensureChromium(io, machine()) !== 0) return 1;
 */
export function ensureChromium(io: Io, system: System): number {
  const plan = planChromium(io.env, system);
  if (plan.action === 'none') return 0;
  if (plan.action === 'fail') {
    io.err(plan.message);
    return 1;
  }
  io.err(`${DEFAULT_CHROMIUM} is missing: installing Debian's chromium for the browser tests (apt-get)...`);
  for (const argv of plan.commands) {
    const { status, output } = system.run(argv);
    if (status !== 0) {
      io.err(`${argv.join(' ')} failed (exit ${status}):\n${lastLines(output, 20)}`);
      io.err(`Install it with:\n  ${INSTALL_COMMAND}`);
      return 1;
    }
  }
  if (!system.executable(DEFAULT_CHROMIUM)) {
    io.err(`apt-get installed chromium, but ${DEFAULT_CHROMIUM} is still not there.`);
    return 1;
  }
  io.err(`installed ${DEFAULT_CHROMIUM}`);
  return 0;
}

/**
 * This machine, as it is.
 * @example ensureChromium(io, machine())
 */
export function machine(): System {
  return {
    executable: (path) => {
      try {
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    hasAptGet: () => existsSync('/usr/bin/apt-get'),
    isRoot: () => process.getuid?.() === 0,
    passwordlessSudo: () => spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0,
    run: (argv) => {
      const [command = '', ...args] = argv;
      const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      return {
        status: result.status,
        output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`,
      };
    },
  };
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
