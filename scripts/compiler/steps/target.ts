/**
 * Where a route's requests go: its origins (a list is failover, in order) or a redirect, and
 * whether WebSocket upgrades pass through.
 */
import type { CompiledRoute } from '../../../src/table/types.ts';
import type { RawRoute } from '../config.ts';
import { defaultsOf } from '../schema-rules.ts';
import type { DataPath } from '../source.ts';
import { isLoopback, parseOriginUrl, valueOrReport } from '../values.ts';
import type { StepContext } from './context.ts';

const REDIRECT_DEFAULTS = defaultsOf('redirect') as { status: 301; keep_path: boolean };

/** @example compileTarget({ ..., origin: 'https://o.example/v2' }, ctx).origins // [{ origin: 'https://o.example', basePath: '/v2' }] */
export function compileTarget(
  route: RawRoute,
  ctx: StepContext,
): Pick<CompiledRoute, 'origins' | 'redirect' | 'websocket'> {
  const websocket = route.websocket ?? false;
  if (route.origin !== undefined && route.redirect !== undefined) {
    ctx.report(['redirect'], 'a route has either origin or redirect, not both');
  }
  if (route.redirect) {
    const redirect = { ...REDIRECT_DEFAULTS, ...route.redirect };
    const target = parseOriginUrl(redirect.to.replace(/[?#].*$/, ''));
    if (!target.ok || !/^https?:\/\//i.test(redirect.to)) {
      ctx.report(['redirect', 'to'], `redirect target "${redirect.to}" must be an http(s) URL`);
    }
    return {
      origins: [],
      redirect: { to: redirect.to, status: redirect.status, keepPath: redirect.keep_path },
      websocket,
    };
  }
  if (route.origin === undefined) {
    ctx.report(['id'], `route "${route.id}" needs an origin (where to proxy) or a redirect`);
    return { origins: [], redirect: null, websocket };
  }
  const list = Array.isArray(route.origin) ? route.origin : [route.origin];
  const origins = list.flatMap((text, i) => {
    const path: DataPath = Array.isArray(route.origin) ? ['origin', i] : ['origin'];
    const parsed = valueOrReport(parseOriginUrl(text), (m) => ctx.report(path, m));
    if (!parsed) return [];
    if (parsed.scheme === 'http' && !isLoopback(parsed.hostname)) {
      ctx.report(path, `origin "${text}" uses plain http: traffic to it is not encrypted`, 'warning');
    }
    return [{ origin: parsed.origin, basePath: parsed.basePath }];
  });
  return { origins, redirect: null, websocket };
}
