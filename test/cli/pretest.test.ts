/**
 * The test command on a fresh machine: Chromium for the browser tests is installed by the
 * pretest step when this user may (root, or sudo without a password), and otherwise the test
 * command stops before any suite with the one command to run. The machine is a stand-in here
 * (what is installed, who we are, what apt-get answers), so no test uninstalls anything.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CHROMIUM,
  ensureChromium,
  INSTALL_COMMAND,
  machine,
  type System,
} from '../../scripts/cli/chromium.ts';
import type { Io } from '../../scripts/cli/io.ts';

interface Machine {
  chromium?: boolean;
  apt?: boolean;
  root?: boolean;
  sudo?: boolean;
  /** What apt-get exits with (0: it installed chromium). */
  aptStatus?: number;
  executables?: string[];
}

/** A machine as described, recording every command the pretest step runs on it. */
function stand(described: Machine): System & { ran: string[] } {
  let installed = described.chromium ?? false;
  const ran: string[] = [];
  return {
    ran,
    executable: (path) =>
      (path === DEFAULT_CHROMIUM && installed) || (described.executables ?? []).includes(path),
    hasAptGet: () => described.apt ?? true,
    isRoot: () => described.root ?? false,
    passwordlessSudo: () => described.sudo ?? false,
    run: (argv) => {
      ran.push(argv.join(' '));
      const status = described.aptStatus ?? 0;
      if (status === 0 && argv.includes('install')) installed = true;
      return { status, output: status === 0 ? 'ok' : 'E: Unable to locate package chromium' };
    },
  };
}

function check(described: Machine, env: Record<string, string> = {}) {
  const system = stand(described);
  const err: string[] = [];
  const io: Io = { out: (text) => err.push(text), err: (text) => err.push(text), env, cwd: '/' };
  const status = ensureChromium(io, system);
  return { status, stderr: err.join('\n'), ran: system.ran };
}

const APT = 'env DEBIAN_FRONTEND=noninteractive apt-get';

describe('chromium before the test command', () => {
  it('does nothing and says nothing when chromium is there', () => {
    expect(check({ chromium: true })).toEqual({ status: 0, stderr: '', ran: [] });
  });

  it('installs it with apt-get, non-interactively, when running as root', () => {
    const result = check({ root: true });
    expect(result.status).toBe(0);
    expect(result.ran).toEqual([`${APT} update`, `${APT} install -y chromium`]);
    expect(result.stderr).toContain(`installed ${DEFAULT_CHROMIUM}`);
  });

  it('installs it through sudo -n when sudo needs no password', () => {
    const result = check({ sudo: true });
    expect(result.status).toBe(0);
    expect(result.ran).toEqual([`sudo -n ${APT} update`, `sudo -n ${APT} install -y chromium`]);
  });

  it('stops at once with the one command to run when it may not install', () => {
    const result = check({ sudo: false });
    expect(result.status).toBe(1);
    expect(result.ran).toEqual([]);
    expect(result.stderr).toContain(`${DEFAULT_CHROMIUM} is missing`);
    expect(result.stderr).toContain(`\n  ${INSTALL_COMMAND}`);
  });

  it('names the apt-get failure and the command to run when the install fails', () => {
    const result = check({ root: true, aptStatus: 100 });
    expect(result.status).toBe(1);
    expect(result.ran).toEqual([`${APT} update`]);
    expect(result.stderr).toContain(`${APT} update failed (exit 100)`);
    expect(result.stderr).toContain('E: Unable to locate package chromium');
    expect(result.stderr).toContain(INSTALL_COMMAND);
  });

  it('asks for CHROMIUM_PATH on a system without apt-get', () => {
    const result = check({ root: true, apt: false });
    expect(result.status).toBe(1);
    expect(result.ran).toEqual([]);
    expect(result.stderr).toContain('set CHROMIUM_PATH');
  });

  it('uses CHROMIUM_PATH when set, and never installs over a wrong one', () => {
    expect(
      check({ executables: ['/opt/chrome/chrome'] }, { CHROMIUM_PATH: '/opt/chrome/chrome' }).status,
    ).toBe(0);
    const wrong = check({ root: true, chromium: true }, { CHROMIUM_PATH: '/opt/nothing' });
    expect(wrong.status).toBe(1);
    expect(wrong.ran).toEqual([]);
    expect(wrong.stderr).toContain('CHROMIUM_PATH=/opt/nothing is not an executable file');
  });

  it('sees this machine as it is', () => {
    const here = machine();
    expect(here.executable(process.execPath)).toBe(true);
    expect(here.executable('/no/such/chromium')).toBe(false);
    expect(here.isRoot()).toBe(process.getuid?.() === 0);
    expect(here.run([process.execPath, '-e', 'process.stdout.write("hi"); process.exit(3)'])).toEqual({
      status: 3,
      output: 'hi',
    });
  });
});
