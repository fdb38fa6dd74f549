/**
 * A route's CORS policy, with its header values pre-joined. A preflight may ask for the route's
 * own methods unless `cors.methods` says otherwise.
 */
import type { CompiledCors, CompiledRoute } from '../../../src/table/types.ts';
import type { RawCors, RawRoute } from '../config.ts';
import { defaultsOf } from '../schema-rules.ts';
import { parseCorsOrigin, valueOrReport } from '../values.ts';
import { isPublicSuffix } from '../zone.ts';
import { ALL_METHODS, type StepContext } from './context.ts';

const CORS_DEFAULTS = defaultsOf('cors') as Required<Omit<RawCors, 'origins' | 'methods'>>;

/** @example compileCors(route, ctx, ['GET', 'HEAD']).cors?.allowMethods // 'GET, HEAD' */
export function compileCors(
  route: RawRoute,
  ctx: StepContext,
  routeMethods: string[] | null,
): Pick<CompiledRoute, 'cors'> {
  if (!route.cors) return { cors: null };
  const cors = { ...CORS_DEFAULTS, ...route.cors };
  const methods = (cors.methods ?? routeMethods ?? ALL_METHODS).map((m) => m.toUpperCase());
  const compiled: CompiledCors = {
    exact: [],
    wildcards: [],
    any: false,
    credentials: cors.credentials,
    methods,
    allowMethods: methods.join(', '),
    headers: cors.headers.filter((h) => h !== '*').map((h) => h.toLowerCase()),
    anyHeader: cors.headers.includes('*'),
    allowHeaders: cors.headers.filter((h) => h !== '*').join(', '),
    expose: cors.expose.join(', '),
    maxAge: String(cors.max_age),
  };
  for (const [i, text] of cors.origins.entries()) {
    // An entry that broke the schema was left as a hole (analyze.ts), so the others keep their index.
    if (typeof text !== 'string') continue;
    const pattern = valueOrReport(parseCorsOrigin(text), (m) => ctx.report(['cors', 'origins', i], m));
    if (pattern?.kind === 'any') compiled.any = true;
    if (pattern?.kind === 'exact') compiled.exact.push(pattern.origin);
    if (pattern?.kind === 'wildcard') {
      compiled.wildcards.push({ scheme: pattern.scheme, suffix: pattern.suffix });
      const domain = pattern.suffix.slice(1).replace(/:\d+$/, '');
      if (compiled.credentials && isPublicSuffix(domain))
        ctx.report(
          ['cors', 'origins', i],
          `CORS origin "${text}" with credentials: true admits every site under ${domain}, where anyone can register one (a public suffix): list the allowed origins instead`,
        );
    }
  }
  if (compiled.any && compiled.credentials) {
    ctx.report(
      ['cors', 'credentials'],
      "credentials: true cannot be used with origin '*': list the allowed origins instead",
    );
  }
  return { cors: compiled };
}
