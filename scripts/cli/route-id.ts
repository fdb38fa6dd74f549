/**
 * The route-id rule of schema/routes.schema.json, for command-line flags that name a route
 * (`stats --route`, `logs --route`): read from the schema itself, so the two never disagree.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const schema = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'schema', 'routes.schema.json'), 'utf8'),
) as { $defs: { route: { properties: { id: { pattern: string; maxLength: number } } } } };
const ROUTE_ID = schema.$defs.route.properties.id;
const ROUTE_PATTERN = new RegExp(ROUTE_ID.pattern);

/**
 * Returns `id` when it is a valid route id, else throws an error naming the flag.
 * @example checkRouteId('api') // 'api'
 */
export function checkRouteId(id: string, flag = '--route'): string {
  if (id.length > ROUTE_ID.maxLength || !ROUTE_PATTERN.test(id)) {
    throw new Error(`${flag} "${id}" is not a route id (${ROUTE_ID.pattern}, at most ${ROUTE_ID.maxLength})`);
  }
  return id;
}
