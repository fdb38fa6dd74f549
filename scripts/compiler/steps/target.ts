/**
 * Where a route's requests go: its origins (a list is failover, in order) or a redirect, and
 * whether WebSocket upgrades pass through.
 */
import type { CompiledRoute } from '../../../src/table/types.ts';
import type { RawRoute } from '../config.ts';
import { defaultsOf } from '../schema-rules.ts';
import type { DataPath } from '../source.ts';
import {
  describeCharacter,
  hasUserinfo,
  isLoopback,
  parseOriginUrl,
  quotableUrl,
  valueOrReport,
} from '../values.ts';
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
    checkRedirectTarget(redirect.to, (message) => ctx.report(['redirect', 'to'], message));
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

/**
 * A redirect target is sent as written, in `Location`: it must be an http(s) URL spelled in
 * visible ASCII. The URL parser would quietly drop a line break or encode a space, so it alone
 * cannot tell whether the text is fit to send.
 */
function checkRedirectTarget(to: string, report: (message: string) => void): void {
  const odd = /[^\x21-\x7e]/u.exec(to)?.[0];
  const quoted = quotableUrl(to);
  if (odd !== undefined) {
    report(
      `redirect target ${JSON.stringify(quoted)} holds ${describeCharacter(odd)}: write the URL in visible ASCII (a space is %20, é is %C3%A9, an international host its xn-- form)`,
    );
  } else if (hasUserinfo(to)) {
    report(
      `redirect target "${quoted}" must not contain credentials (user:pass@): browsers would send them on`,
    );
  } else if (!parseOriginUrl(to.replace(/[?#].*$/, '')).ok || !/^https?:\/\//i.test(to)) {
    report(`redirect target "${quoted}" must be an http(s) URL`);
  }
}
