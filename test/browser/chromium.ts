/**
 * Debian's headless Chromium for the browser tests: where it is, the check that it is there (with
 * the one command that installs it), and the launch options both tests use.
 */
import { existsSync } from 'node:fs';
import { INSTALL_COMMAND } from '../../scripts/cli/chromium.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Throws when Chromium is missing, naming the command that installs it. */
export function assertChromium(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: npm test installs it when it may, or run: ${INSTALL_COMMAND}`);
}

/** Headless, offline and quiet: no sandbox (CI runs as root), no background traffic. */
export const LAUNCH = {
  executablePath: CHROMIUM,
  headless: true,
  timeout: 120_000,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
