/**
 * Route resolution alone, in Node, through the same resolver the Worker uses: nanoseconds per
 * lookup for hits and misses over tables of different sizes and host counts.
 */
import { compileConfig } from '../scripts/compiler/compile.ts';
import { createResolver } from '../src/routing/resolve.ts';
import { benchTable } from './tables.ts';

export interface ResolveResult {
  routes: number;
  hosts: number;
  hitNs: number;
  missNs: number;
}

/** Times `iterations` lookups over a spread of hosts and paths (after a warm-up pass). */
export function measureResolution(routes: number, hosts: number, iterations = 500_000): ResolveResult {
  const { config } = benchTable(routes, 'https://origin.bench.invalid', hosts);
  const table = compileConfig(config);
  const { resolve } = createResolver(table);
  const perHost = Math.ceil(routes / hosts);
  const hits = Array.from({ length: 1024 }, (_, k) => {
    const i = (k * 7919) % routes;
    const path = perHost === 1 ? `/items/${k}` : `/p${i % perHost}/items/${k}`;
    return [`r${Math.floor(i / perHost)}.bench.test`, path] as const;
  });
  const misses = hits.map(([, path], k) => [`nohost${k}.elsewhere.test`, path] as const);
  const time = (cases: ReadonlyArray<readonly [string, string]>, expectHit: boolean) => {
    for (const [host, path] of cases)
      if ((resolve(host, path) !== null) !== expectHit) throw new Error(`bad lookup ${host}${path}`);
    const start = process.hrtime.bigint();
    let found = 0;
    for (let n = 0; n < iterations; n++) {
      const [host, path] = cases[n & 1023] as readonly [string, string];
      if (resolve(host, path)) found++;
    }
    const ns = Number(process.hrtime.bigint() - start) / iterations;
    if (found !== (expectHit ? iterations : 0)) throw new Error('lookup results changed while timing');
    return ns;
  };
  return { routes, hosts, hitNs: time(hits, true), missNs: time(misses, false) };
}
