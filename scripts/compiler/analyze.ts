/**
 * The whole check of a routes.yaml text: YAML syntax, JSON Schema, then semantic checks and
 * compilation. Every problem is collected with its position; nothing stops at the first.
 */

import type { CompiledTable } from '../../src/table/types.ts';
import { compileConfig } from './compile.ts';
import type { RawConfig } from './config.ts';
import { type Diagnostic, sortDiagnostics } from './diagnostics.ts';
import { type SchemaError, validateSchema } from './schema.ts';
import { type DataPath, loadSource } from './source.ts';

export interface Analysis {
  diagnostics: Diagnostic[];
  /** The compiled table, when there is no error. */
  table?: CompiledTable;
  /** The parsed file, when it fits the schema (used by plan and route tests). */
  config?: RawConfig;
}

/**
 * Checks and compiles routes.yaml text.
 * @example analyze(readFileSync('routes.yaml', 'utf8')).diagnostics // [] for a good file
 */
export function analyze(text: string): Analysis {
  const source = loadSource(text);
  const diagnostics = [...source.syntaxErrors];
  if (source.fatal) return { diagnostics: sortDiagnostics(diagnostics) };

  const schemaErrors = validateSchema(source);
  diagnostics.push(...schemaErrors.map((e) => e.diagnostic));
  const pruned = prune(source.data, schemaErrors);
  if (!pruned) return { diagnostics: sortDiagnostics(diagnostics) };
  const { config, indexOf } = pruned;
  const table = compileConfig(config, (path, message, severity) => {
    const real: DataPath =
      path[0] === 'routes' ? ['routes', indexOf[path[1] as number] as number, ...path.slice(2)] : path;
    const fromDefaults: DataPath = ['defaults', ...real.slice(2)];
    const where = real[0] === 'routes' && !source.has(real) && source.has(fromDefaults) ? fromDefaults : real;
    diagnostics.push(source.at(where, message, { severity }));
  });
  const sorted = sortDiagnostics(diagnostics);
  const clean = !sorted.some((d) => d.severity === 'error');
  return { diagnostics: sorted, ...(clean ? { table, config: source.data as RawConfig } : {}) };
}

/**
 * Removes what broke the schema so semantic checks can run on everything else: a bad field is
 * left out of its route (or of defaults), a route with a bad id or hosts is left out whole.
 * Returns null when the top level itself is unusable.
 */
function prune(data: unknown, errors: SchemaError[]): { config: RawConfig; indexOf: number[] } | null {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(data) || !Array.isArray(data.routes)) return null;
  const routes = data.routes.map((r) => (isObject(r) ? { ...r } : null));
  const defaults = isObject(data.defaults) ? { ...data.defaults } : {};
  const config = { ...data, defaults } as Record<string, unknown>;
  for (const { path, key } of errors) {
    const [top, second, third] = path;
    if (top === 'routes' && typeof second === 'number') {
      const field = third ?? key;
      const route = routes[second];
      if (!route || field === undefined || field === 'id' || field === 'hosts') routes[second] = null;
      else {
        delete route[field];
        // A target that broke the schema still counts as given: no "needs an origin" on top.
        if (field === 'origin' || field === 'redirect') route.origin ??= [];
      }
    } else if (top === 'defaults') {
      const field = second ?? key;
      if (field === undefined) config.defaults = {};
      else delete defaults[field as string];
    } else if ((top === 'vars' || top === 'secrets') && path.length === 1) {
      config[top] = top === 'vars' ? {} : [];
    }
  }
  const indexOf = routes.flatMap((route, i) => (route ? [i] : []));
  config.routes = indexOf.map((i) => routes[i]);
  return { config: config as unknown as RawConfig, indexOf };
}
