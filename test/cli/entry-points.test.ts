/**
 * One end-to-end run per command, as `npm run NAME` starts it (`node --import tsx scripts/NAME.ts` in its own
 * process): the entry point reads the process's arguments, prints to the real stdout/stderr and
 * sets the exit code. Every other CLI test calls `main` in-process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, spawnCli } from './run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'entry-points-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('command entry points', () => {
  it('check exits 1 with FILE:LINE:COL errors on stderr for an invalid file', () => {
    const result = spawnCli('check.ts', [fixture('invalid.yaml')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/invalid\.yaml:\d+:\d+ {2}error {2}/);
  });

  it('build writes the table and exits 0', () => {
    const result = spawnCli('build.ts', [fixture('routes.yaml'), '--out', join(tmp, 'out')]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(`wrote ${join(tmp, 'out', 'table.ts')}`);
  });

  it('explain prints the route on stdout and exits 2 when nothing matches', () => {
    const result = spawnCli('explain.ts', ['https://nope.example.com/', '--routes', fixture('routes.yaml')]);
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('none: no route in the table serves host nope.example.com');
  });

  it('smoke refuses --host-header without --base, naming the flag', () => {
    const result = spawnCli('smoke.ts', ['--host-header', '--routes', fixture('routes.yaml')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--host-header needs --base');
  });

  it('deploy refuses traffic steps that do not rise to 100, naming the flag', () => {
    const result = spawnCli('deploy.ts', ['--steps', '10,50']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--steps: "10,50" must be whole percentages that rise to 100');
  });

  it('rollback needs the Cloudflare credentials and says which', () => {
    const result = spawnCli('rollback.ts', [], {
      env: { CLOUDFLARE_API_TOKEN: '', CLOUDFLARE_ACCOUNT_ID: '' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('rollback: set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID');
  });

  it('plan refuses an unknown ref with exit 1', () => {
    const result = spawnCli('plan.ts', ['no-such-ref', '--routes', fixture('routes.yaml')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('unknown git ref "no-such-ref"');
  });
});
