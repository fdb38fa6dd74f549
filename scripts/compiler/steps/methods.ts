/**
 * A route's method allow-list (HEAD wherever GET is) and its pre-joined `Allow` header.
 */
import type { CompiledRoute } from '../../../src/table/types.ts';
import type { RawRoute } from '../config.ts';
import { ALL_METHODS } from './context.ts';

/** @example compileMethods({ methods: ['GET'] }).allow // 'GET, HEAD' */
export function compileMethods(route: Pick<RawRoute, 'methods'>): Pick<CompiledRoute, 'methods' | 'allow'> {
  if (!route.methods) return { methods: null, allow: ALL_METHODS.join(', ') };
  const set = new Set(route.methods.map((m) => m.toUpperCase()));
  if (set.has('GET')) set.add('HEAD');
  const list = ALL_METHODS.filter((m) => set.has(m));
  return { methods: list, allow: list.join(', ') };
}
