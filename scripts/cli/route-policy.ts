/**
 * A route's full effective policy as a reviewer reads it: every setting the compiled route
 * carries, defaults and built-in values included, one labelled row each. The plan shows it for
 * every added and changed route, so "what does this route do" never needs the YAML at hand.
 * Header values go through redaction (redact.ts); a redirect target's query values too.
 */
import type { CompiledCors, CompiledHeaderRules, CompiledRoute } from '../../src/table/types.ts';
import { showRedirectTarget, showTemplate } from './redact.ts';

export interface PolicyRow {
  setting: string;
  value: string;
}

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/**
 * The effective policy of a compiled route, one row per setting.
 * @example routePolicy(route).find((r) => r.setting === 'timeout')?.value // '30 s'
 */
export function routePolicy(route: CompiledRoute): PolicyRow[] {
  const rows: PolicyRow[] = [];
  const row = (setting: string, value: string) => rows.push({ setting, value });
  row('hosts', route.hosts.join(', '));
  row('path', `${route.path}${route.stripPrefix ? ' (prefix stripped upstream)' : ''}`);
  row('path parameters', route.pathParameters ? '; allowed (not across routes)' : '; refused (400)');
  if (route.redirect) {
    const r = route.redirect;
    row('redirect', `${r.status} to ${showRedirectTarget(r.to)}${r.keepPath ? ', path and query kept' : ''}`);
  } else {
    row('origin', route.origins.map((o) => `${o.origin}${o.basePath}`).join(', then '));
    if (route.origins.length > 1) {
      row(
        'failover',
        `on 502/503/504 or no answer; POST/PATCH replay ${route.retry.nonIdempotent ? 'on' : 'off'}; replay up to ${route.retry.maxReplayBody} bytes`,
      );
    }
  }
  row('methods', route.methods ? route.methods.join(', ') : 'any');
  row('CORS', route.cors ? corsText(route.cors) : "none (the origin's own CORS headers pass through)");
  row(
    'cache',
    route.cache ? `TTL ${route.cache.ttl} s for statuses ${route.cache.statuses.join(', ')}` : 'off',
  );
  row('request headers', rulesText(route.requestHeaders));
  row('response headers', rulesText(route.responseHeaders));
  row(
    'access',
    route.access
      ? `allow ${route.access.allow.map((c) => c.text).join(', ') || 'any'}; deny ${route.access.deny.map((c) => c.text).join(', ') || 'none'}`
      : 'any address',
  );
  const limits = route.rateLimits.map(
    (l) =>
      `${l.limit} per ${l.period} s per ${l.key.kind === 'ip' ? `client IP (IPv6 per /${l.ipv6Prefix})` : `header ${l.key.name}`}`,
  );
  row('rate limit', limits.length > 0 ? limits.join('; and ') : 'none');
  row('max body', route.maxBody === null ? 'no limit' : `${route.maxBody} bytes`);
  if (!route.redirect) {
    row('timeout', `${seconds(route.timeoutMs)} to headers (${seconds(route.tryTimeoutMs)} per try)`);
    row(
      'idle timeout',
      route.idleTimeoutMs > 0 ? seconds(route.idleTimeoutMs) : 'none (body streams natively)',
    );
  }
  row('websocket', route.websocket ? 'upgrades pass through' : 'upgrades refused (400)');
  return rows;
}

function corsText(cors: CompiledCors): string {
  const origins = [
    ...(cors.any ? ['*'] : []),
    ...cors.exact,
    ...cors.wildcards.map((w) => `${w.scheme}*${w.suffix}`),
  ];
  const headers = [...(cors.anyHeader ? ['*'] : []), ...(cors.allowHeaders ? [cors.allowHeaders] : [])];
  return [
    `origins ${origins.join(', ')}`,
    `methods ${cors.allowMethods}`,
    `headers ${headers.join(', ') || 'none'}`,
    ...(cors.expose ? [`expose ${cors.expose}`] : []),
    ...(cors.credentials ? ['credentials'] : []),
    `max-age ${cors.maxAge} s`,
  ].join('; ');
}

function rulesText(rules: CompiledHeaderRules): string {
  const parts = [
    ...rules.set.map(([name, value]) => `set ${name}: ${showTemplate(name, value)}`),
    ...rules.remove.map((name) => `remove ${name}`),
  ];
  return parts.join('; ') || 'none';
}
