/**
 * The load test's processes: two origins (A and B) and the router over a generated table, each
 * started and stopped through scripts/serve/server-process.ts (own process group, ready when it
 * says so, SIGTERM then SIGKILL, nothing left behind).
 */
import { join } from 'node:path';
import { buildLocalRouter, OFFLINE_ENV, projectRoot, startWrangler } from '../serve/local-router.ts';
import { type ServerProcess, startServer } from '../serve/server-process.ts';

/** `node --import tsx SCRIPT`: a TypeScript script in one Node process (the `tsx` command starts two). */
const typescript = (script: string) => ['--import', 'tsx', join(projectRoot, script)];
const env = { ...process.env, ...OFFLINE_ENV, NO_COLOR: '1', FORCE_COLOR: '0' };

/**
 * Origin NAME on 127.0.0.1:PORT in its own process (scripts/load/origin-process.ts).
 * @example const a = await startOriginProcess('A', 9001); await a.kill();
 */
export function startOriginProcess(name: string, port: number): Promise<ServerProcess> {
  return startServer({
    name: `origin ${name}`,
    command: process.execPath,
    args: [...typescript('scripts/load/origin-process.ts'), name, String(port)],
    cwd: projectRoot,
    env,
    ready: /^ready /,
    readyTimeoutMs: 180_000,
  });
}

/**
 * Writes the load-test table into `outDir`: `cached` (B, cache 3600 s), `failover` ([A, B],
 * non-idempotent replay up to 2 MB) and `direct` (B).
 * @example buildLoadTable('test/.generated/load-1', 9001, 9002)
 */
export function buildLoadTable(outDir: string, portA: number, portB: number): void {
  const routes = [
    'version: 1',
    'defaults:',
    '  timeout: 30s',
    'routes:',
    '  - id: cached',
    '    hosts: [cached.localhost]',
    `    origin: http://127.0.0.1:${portB}`,
    '    cache: { ttl: 3600 }',
    '  - id: failover',
    '    hosts: [failover.localhost]',
    `    origin: [http://127.0.0.1:${portA}, http://127.0.0.1:${portB}]`,
    '    retry: { non_idempotent: true, max_replay_body: 2mb }',
    '    max_body: 4mb',
    '  - id: direct',
    '    hosts: [direct.localhost]',
    `    origin: http://127.0.0.1:${portB}`,
    '    max_body: 4mb',
    '',
  ].join('\n');
  const built = buildLocalRouter(join(outDir, 'routes.yaml'), routes, outDir, 'edge-router-load');
  if (!built.analysis.table) throw new Error('the load-test route table did not build');
}

/**
 * The router over the table in `outDir`: wrangler's dev server with the inspector off
 * (scripts/load/router-process.ts), or with `cli` the `wrangler dev` command itself.
 * @example const router = await startRouter(outDir, 8787, false, (line) => lines.push(line));
 */
export async function startRouter(
  outDir: string,
  port: number,
  cli: boolean,
  onLine: (line: string) => void,
): Promise<{ stop(): Promise<void> }> {
  if (cli) return startWrangler({ outDir, port, readyTimeoutMs: 180_000, onLine });
  return startServer({
    name: 'router',
    command: process.execPath,
    args: [...typescript('scripts/load/router-process.ts'), join(outDir, 'wrangler.json'), String(port)],
    cwd: projectRoot,
    env,
    ready: /^ready /,
    onLine: (line) => {
      if (!line.startsWith('ready ')) onLine(line);
    },
    readyTimeoutMs: 180_000,
    // SIGTERM lets wrangler stop workerd; SIGKILL for the group if it takes longer.
    graceMs: 10_000,
  });
}
