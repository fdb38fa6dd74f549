/**
 * Route prefixes on one host that only case tells apart. The Worker refuses a request whose path,
 * read with case ignored as Express (by default), ASP.NET and IIS read it, belongs to another
 * route (src/routing/origin-readings.ts, `caseFolded`). So two prefixes that fold alike leave one
 * route unreachable, and a prefix that lies under another only once folded (`/admin` and
 * `/Admin/public`) leaves part of the shorter route unreachable: both are errors.
 */
import { caseFolded } from '../../src/routing/origin-readings.ts';
import type { CompiledRoute, CompiledTable } from '../../src/table/types.ts';
import type { Reporter } from './compile.ts';

/**
 * Reports each such route on its path, naming the other route and the host they share.
 * @example findCaseShadows(compileConfig(config), report)
 */
export function findCaseShadows(table: CompiledTable, report: Reporter): void {
  const reported = new Set<string>();
  const groups = [
    ...Object.entries(table.exact),
    ...Object.entries(table.wildcard).map(([parent, indexes]) => [`*.${parent}`, indexes] as const),
  ];
  for (const [host, indexes] of groups) {
    // In file order, so the route written later is the one reported.
    const ordered = [...indexes].sort((a, b) => a - b);
    for (const shadow of shadows(table.routes, ordered)) {
      const pair = `${shadow.index} ${shadow.other}`;
      if (reported.has(pair)) continue;
      reported.add(pair);
      report(['routes', shadow.index, 'path'], messageFor(table.routes, shadow, host));
    }
  }
}

function messageFor(routes: CompiledRoute[], { index, other, nested }: Shadow, host: string): string {
  const { path } = routes[index] as CompiledRoute;
  const first = routes[other] as CompiledRoute;
  const where = `${first.path} (route "${first.id}", host ${host})`;
  if (!nested)
    return `path ${path} differs from ${where} only by case; origins that ignore case (Express by default, ASP.NET, IIS) read them as one path`;
  const hidden = `${first.path}${path.slice(first.path.length)}`;
  return `path ${path} lies under ${where} once case is ignored, but not as written: requests for ${hidden} on "${first.id}" would be refused, as an origin that ignores case (Express by default, ASP.NET, IIS) reads them as this route's. Spell both prefixes in the same case`;
}

interface Shadow {
  /** The route reported. */
  index: number;
  /** The route it clashes with. */
  other: number;
  /** True when its folded prefix lies under the other's (false: the two fold alike). */
  nested: boolean;
}

/** The clashes among one host's routes, each on the later route (or the nested one). */
function shadows(routes: CompiledRoute[], indexes: readonly number[]): Shadow[] {
  const byFolded = new Map<string, number>();
  const found: Shadow[] = [];
  for (const index of indexes) {
    const path = routes[index]?.path ?? '/';
    const folded = caseFolded(path) ?? path;
    const first = byFolded.get(folded);
    if (first === undefined) byFolded.set(folded, index);
    else if (routes[first]?.path !== path) found.push({ index, other: first, nested: false });
  }
  const clashing = new Set(found.map((shadow) => shadow.index));
  for (const index of indexes) {
    // A route whose own prefix clashes is reported once, for that.
    if (clashing.has(index)) continue;
    const path = routes[index]?.path ?? '/';
    for (const ancestor of ancestors(caseFolded(path) ?? path)) {
      const other = byFolded.get(ancestor);
      const otherPath = other === undefined ? undefined : routes[other]?.path;
      if (other !== undefined && otherPath !== undefined && !underPrefix(path, otherPath))
        found.push({ index, other, nested: true });
    }
  }
  return found;
}

/** The whole-segment prefixes of a path, longest first, without the path itself and `/`. */
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1))
    out.push(path.slice(0, cut));
  return out;
}

const underPrefix = (path: string, prefix: string): boolean =>
  prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
