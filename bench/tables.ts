/**
 * Generated route tables for the benchmarks: N routes over N hosts (or fewer hosts with
 * several paths each), every route shaped like the seed's (CORS '*', a proxied origin), and the
 * measured route in the middle of the table.
 */
import type { RawConfig, RawRoute } from '../scripts/compiler/config.ts';

export interface BenchTable {
  config: RawConfig;
  /** Host and path prefix of the measured route (in the middle of the table). */
  host: string;
  path: string;
}

/**
 * @example benchTable(10_000, 'http://127.0.0.1:9000').host // 'r5000.bench.test'
 */
export function benchTable(
  routes: number,
  origin: string,
  hosts = routes,
  extra: Partial<RawRoute> = {},
): BenchTable {
  const perHost = Math.ceil(routes / hosts);
  const list: RawRoute[] = [];
  for (let i = 0; i < routes; i++) {
    const h = Math.floor(i / perHost);
    const p = i % perHost;
    list.push({
      id: `r${i}`,
      hosts: [`r${h}.bench.test`],
      path: perHost === 1 ? '/' : `/p${p}`,
      origin,
      ...extra,
      cors: {
        origins: ['*'],
        methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
        headers: ['Content-Type', 'Authorization'],
        max_age: 86400,
      },
    });
  }
  const middle = Math.floor(routes / 2);
  const h = Math.floor(middle / perHost);
  return {
    config: { version: 1, routes: list },
    host: `r${h}.bench.test`,
    path: perHost === 1 ? '' : `/p${middle % perHost}`,
  };
}
