/**
 * What the compiler reads from schema/routes.schema.json, so that file stays the one source of
 * defaults and field lists: each field's default (`default`), the keys an object must have once
 * defaults are merged (`x-required-after-defaults`), the fields a redirect route ignores
 * (`x-proxy-only` on the route), and the object fields a route may turn off with `false`.
 */
import routesSchema from '../../schema/routes.schema.json' with { type: 'json' };

interface SchemaNode {
  $ref?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  'x-required-after-defaults'?: string[];
  'x-proxy-only'?: string[];
  then?: SchemaNode;
}

const defs = routesSchema.$defs as unknown as Record<string, SchemaNode>;

/** A property's schema with its `$ref` followed, keeping the property's own keywords first. */
function resolved(node: SchemaNode): SchemaNode {
  const target = node.$ref ? defs[node.$ref.replace('#/$defs/', '')] : undefined;
  return target ? { ...resolved(target), ...node } : node;
}

/**
 * The defaults of an object definition's fields, by field name.
 * @example defaultsOf('retry') // { non_idempotent: false, max_replay_body: '64kb' }
 */
export function defaultsOf(def: string): Record<string, unknown> {
  const properties = defs[def]?.properties ?? {};
  return Object.fromEntries(
    Object.entries(properties).flatMap(([name, node]) => {
      const value = resolved(node).default;
      return value === undefined ? [] : [[name, value]];
    }),
  );
}

/**
 * Objects whose keys are required once defaults are merged in (a route may set part of one in
 * defaults and the rest itself): route field -> the keys.
 * @example requiredAfterDefaults() // [['cors', ['origins']], ['cache', ['ttl']], ...]
 */
export function requiredAfterDefaults(): Array<[string, string[]]> {
  return Object.entries(defs.route?.properties ?? {}).flatMap(([field, node]) => {
    const target = node.$ref ? defs[node.$ref.replace('#/$defs/', '').replace(/OrOff$/, '')] : undefined;
    const keys = target?.['x-required-after-defaults'];
    return keys ? [[field, keys] as [string, string[]]] : [];
  });
}

/** The route fields that have no effect on a redirect route. */
export const proxyOnlyFields: string[] = defs.route?.['x-proxy-only'] ?? [];

/** Route fields a route may set to `false` to drop what defaults set (their schema is `...OrOff`). */
export const switchableFields: string[] = Object.entries(defs.route?.properties ?? {})
  .filter(([, node]) => node.$ref?.endsWith('OrOff'))
  .map(([field]) => field);
