/**
 * vitest globalSetup: starts the real local origins the workerd tests proxy to, and hands their
 * ports to the pool (inject('originPort') in vitest.config.ts and in tests).
 */
import type { TestProject } from 'vitest/node';
import { startOrigin } from './server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    originPort: number;
    backupPort: number;
    deadPort: number;
  }
}

/**
 * A port where connections are refused. Port 1 (tcpmux) is privileged and unused, so unlike a
 * port that was free a moment ago, no other test or server can start listening there mid-run.
 */
const REFUSING_PORT = 1;

export default async function setup(project: TestProject) {
  const origin = await startOrigin(0, 'primary');
  const backup = await startOrigin(0, 'backup');
  project.provide('originPort', origin.port);
  project.provide('backupPort', backup.port);
  project.provide('deadPort', REFUSING_PORT);
  return async () => {
    await origin.close();
    await backup.close();
  };
}
