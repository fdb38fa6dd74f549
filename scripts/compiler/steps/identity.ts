/**
 * What identifies a route in the table: its id, hosts and path prefix, checked against every
 * route before it (duplicate ids, the same host and path twice, hosts that differ only by case;
 * prefixes that differ only by case are compared over the whole table: case-shadows.ts).
 * The prefix is made canonical exactly as request paths are (src/routing/canonical-path.ts).
 */
import { canonicalPath } from '../../../src/routing/canonical-path.ts';
import { normalized, subDelimitersDecoded, windowsTrimmed } from '../../../src/routing/origin-readings.ts';
import type { CompiledRoute } from '../../../src/table/types.ts';
import type { RawRoute } from '../config.ts';
import { defaultsOf } from '../schema-rules.ts';
import { parseRouteHost, valueOrReport } from '../values.ts';
import { zoneOf } from '../zone.ts';
import type { StepContext } from './context.ts';

const DEFAULTS = defaultsOf('route') as { path: string; strip_prefix: boolean; path_parameters: boolean };
const PATH_SEGMENT = /^(?:[A-Za-z0-9._~!$&'()+,=@-]|%[0-9A-Fa-f]{2})+$/;

/** What the routes compiled so far have claimed. */
export interface Claims {
  ids: Map<string, number>;
  /** `host path` -> route id. */
  hostPaths: Map<string, string>;
  /** Lower-cased host -> the spelling first seen. */
  spellings: Map<string, string>;
}

export const newClaims = (): Claims => ({ ids: new Map(), hostPaths: new Map(), spellings: new Map() });

/** @example compileIdentity(route, 0, ctx, claims).path // '/api' for path: /api/ */
export function compileIdentity(
  route: RawRoute,
  index: number,
  ctx: StepContext,
  claims: Claims,
): Pick<CompiledRoute, 'id' | 'hosts' | 'path' | 'stripPrefix' | 'pathParameters'> {
  const previous = claims.ids.get(route.id);
  if (previous !== undefined)
    ctx.report(['id'], `duplicate route id "${route.id}" (also routes[${previous}])`);
  else claims.ids.set(route.id, index);

  const path = compilePath(route.path ?? DEFAULTS.path, (m) => ctx.report(['path'], m));
  const hosts: string[] = [];
  for (const [h, text] of route.hosts.entries()) {
    const host = valueOrReport(parseRouteHost(text), (m) => ctx.report(['hosts', h], m));
    if (host === undefined) continue;
    const zone = zoneOf(host.replace(/^\*\./, ''));
    if (zone.kind === 'public-suffix') {
      ctx.report(['hosts', h], `host "${text}" cannot be deployed: ${zone.reason}`);
      continue;
    }
    const spelling = claims.spellings.get(host);
    if (spelling !== undefined && spelling.replace(/\.$/, '') !== text.replace(/\.$/, '')) {
      ctx.report(
        ['hosts', h],
        `host "${text}" differs from "${spelling}" only by case; hosts are case-insensitive`,
      );
      continue;
    }
    claims.spellings.set(host, text);
    const other = claims.hostPaths.get(`${host} ${path}`);
    if (other !== undefined)
      ctx.report(['hosts', h], `host ${host} with path ${path} is already routed by "${other}"`);
    else claims.hostPaths.set(`${host} ${path}`, route.id);
    hosts.push(host);
  }
  return {
    id: route.id,
    hosts,
    path,
    stripPrefix: route.strip_prefix ?? DEFAULTS.strip_prefix,
    pathParameters: route.path_parameters ?? DEFAULTS.path_parameters,
  };
}

/** Normalises a route path to '/' or '/a/b' and rejects what could never match safely. */
function compilePath(path: string, onError: (message: string) => void): string {
  const trimmed = path.length > 1 ? path.replace(/\/$/, '') : path;
  if (trimmed === '/') return '/';
  const segments = trimmed.slice(1).split('/');
  if (segments.some((s) => s === '')) onError(`path "${path}" has an empty segment (//)`);
  else if (segments.some((s) => s === '.' || s === '..')) onError(`path "${path}" has a . or .. segment`);
  else if (/[*:]/.test(subDelimitersDecoded(trimmed)))
    onError(`path "${path}" is a plain prefix: no wildcards (*) or :params`);
  else if (/;|%3b/i.test(trimmed))
    onError(`path "${path}" holds a ;: path parameters cannot be part of a prefix`);
  else if (segments.some((s) => !PATH_SEGMENT.test(s))) {
    onError(
      `path "${path}" has characters a path prefix cannot hold (use letters, digits and - . _ ~ % @ ! , =)`,
    );
  } else {
    // Requests are made canonical the same way before matching.
    const canonical = canonicalPath(trimmed);
    if (!canonical.ok) onError(`path "${path}": ${canonical.reason.replace(/^The path holds/, 'holds')}`);
    // Requests under such a prefix would be refused: origins that read paths their own way
    // (src/routing/origin-readings.ts) would find them elsewhere.
    else if (normalized(canonical.path) !== canonical.path)
      onError(`path "${path}" holds characters that Unicode normalisation (NFKC) changes`);
    else if (windowsTrimmed(canonical.path) !== canonical.path)
      onError(`path "${path}" ends a segment in a dot or space, which Windows servers drop`);
    // `%40` and `@` reach an origin alike: the prefix keeps the spelling browsers send.
    else return subDelimitersDecoded(canonical.path);
  }
  return trimmed;
}
