/**
 * Runs a command's `main(argv, io)` in this process with a captured Io: what `npm run NAME`
 * prints, without spawning `tsx` for every case.
 */
import type { Command } from '../../scripts/cli/io.ts';

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in the order they were printed, as a terminal shows them. */
  output: string;
}

/**
 * @example const { status, stdout } = await runCommand(explainMain, ['api.example.com/x']);
 */
export async function runCommand(
  command: Command,
  argv: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  let output = '';
  const { GITHUB_ACTIONS: _, ...base } = process.env;
  const status = await command(argv, {
    out: (text) => {
      stdout += `${text}\n`;
      output += `${text}\n`;
    },
    err: (text) => {
      stderr += `${text}\n`;
      output += `${text}\n`;
    },
    env: { ...base, NO_COLOR: '1', ...options.env },
    cwd: options.cwd ?? process.cwd(),
  });
  return { status, stdout, stderr, output };
}
