/**
 * vitest globalSetup: starts the real local origins the workerd tests proxy to, and hands their
 * ports to the pool (inject('originPort') in vitest.config.ts and in tests).
 */
import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startOrigin } from './server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    originPort: number;
    backupPort: number;
    deadPort: number;
  }
}

/** A port that was free a moment ago and now has nothing listening: connections are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export default async function setup(project: TestProject) {
  const origin = await startOrigin(0, 'primary');
  const backup = await startOrigin(0, 'backup');
  project.provide('originPort', origin.port);
  project.provide('backupPort', backup.port);
  project.provide('deadPort', await closedPort());
  return async () => {
    await origin.close();
    await backup.close();
  };
}
