/**
 * Renders the routes.yaml reference (Markdown tables: field, type, default, description) from
 * schema/routes.schema.json, so the docs cannot drift from what `check` and editors enforce.
 * docs/reference.md holds it between `<!-- reference:start -->` and `<!-- reference:end -->`.
 */

/** The subset of JSON Schema that routes.schema.json uses. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxLength?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  propertyNames?: Schema;
  required?: string[];
  anyOf?: Schema[];
  if?: Schema;
  then?: Schema;
  else?: Schema;
  $defs?: Record<string, Schema>;
}

import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

export const START_MARKER = '<!-- reference:start -->';
export const END_MARKER = '<!-- reference:end -->';

/** An object with its own table, in the order of the reference. `path` is where it sits in routes.yaml. */
interface Section {
  def: string | null;
  /** How type cells name it. */
  label: string;
  heading: string;
  path: string;
}

const SECTIONS: Section[] = [
  { def: null, label: 'file', heading: 'Top-level fields', path: '' },
  { def: 'route', label: 'route', heading: 'Route fields', path: 'each entry of `routes`' },
  { def: 'cors', label: 'cors', heading: '`cors` fields', path: '`routes[].cors`, `defaults.cors`' },
  { def: 'cache', label: 'cache', heading: '`cache` fields', path: '`routes[].cache`, `defaults.cache`' },
  {
    def: 'headers',
    label: 'headers',
    heading: '`headers` fields',
    path: '`routes[].headers`, `defaults.headers`',
  },
  {
    def: 'headerRules',
    label: 'header rules',
    heading: 'Header rule fields',
    path: '`headers.request`, `headers.response`',
  },
  { def: 'redirect', label: 'redirect', heading: '`redirect` fields', path: '`routes[].redirect`' },
  { def: 'retry', label: 'retry', heading: '`retry` fields', path: '`routes[].retry`, `defaults.retry`' },
  {
    def: 'access',
    label: 'access',
    heading: '`access` fields',
    path: '`routes[].access`, `defaults.access`',
  },
  {
    def: 'rateLimit',
    label: 'rate_limit',
    heading: '`rate_limit` fields',
    path: '`routes[].rate_limit` (one, or a list of them), `defaults.rate_limit`',
  },
  {
    def: 'environment',
    label: 'environment',
    heading: 'Environment fields',
    path: 'each entry of `environments` (`environments.staging`, `environments.production`)',
  },
  {
    def: 'routeOverride',
    label: 'route override',
    heading: 'Route override fields',
    path: '`environments.NAME.routes.ROUTE_ID`',
  },
];

/** Shared value formats: named in type cells, explained once in the last table. */
const VALUE_TYPES: Array<[def: string, name: string]> = [
  ['duration', 'duration'],
  ['size', 'size'],
  ['method', 'method'],
  ['headerName', 'header name'],
  ['envName', 'env name'],
  ['environmentName', 'environment name'],
  ['origin', 'origin URL'],
];
const VALUE_HEADING = 'Value types';

/**
 * The `$defs` the reference has a table or a value-type row for (a new object in the schema
 * needs a place here, or the reference test fails).
 * @example documentedDefs().includes('cors') // true
 */
export function documentedDefs(): string[] {
  return [...SECTIONS.flatMap((s) => (s.def ? [s.def] : [])), ...VALUE_TYPES.map(([def]) => def)];
}

/**
 * GitHub's heading anchor: lower-case, punctuation dropped (but - and _), spaces to hyphens.
 * @example anchor('`rate_limit` fields') // 'rate_limit-fields'
 */
export function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

/**
 * The whole reference section, markers excluded.
 * @example renderReference(JSON.parse(readFileSync('schema/routes.schema.json', 'utf8')))
 */
export function renderReference(schema: Schema): string {
  const defs = schema.$defs ?? {};
  const defLink = new Map<string, string>();
  for (const s of SECTIONS) if (s.def) defLink.set(s.def, `[${s.label}](#${anchor(s.heading)})`);
  const valueLink = new Map(VALUE_TYPES.map(([def, name]) => [def, `[${name}](#${anchor(VALUE_HEADING)})`]));

  const deref = (s: Schema): [name: string, def: Schema] | null => {
    const name = s.$ref?.replace('#/$defs/', '');
    return name && defs[name] ? [name, defs[name]] : null;
  };

  const typeOf = (s: Schema): string => {
    const ref = deref(s);
    if (ref) {
      const [name, def] = ref;
      return defLink.get(name) ?? valueLink.get(name) ?? typeOf(def);
    }
    if (s.if && s.then?.const === false && s.else) return `${typeOf(s.else)} or \`false\``;
    if (s.const !== undefined) return code(s.const);
    if (s.enum) return s.enum.map(code).join(' or ');
    if (s.anyOf) return s.anyOf.map(typeOf).join(' or ');
    // defaults is an inline object of route fields, listed under the route table.
    if (s === schema.properties?.defaults) return `object of [route fields](#${anchor('Route fields')})`;
    const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (types.includes('array') && s.items) return `list of ${typeOf(s.items)}`;
    if (types.includes('object') && typeof s.additionalProperties === 'object') {
      const key = s.propertyNames ? typeOf(s.propertyNames) : 'name';
      return `map of ${key} to ${typeOf(s.additionalProperties)}`;
    }
    let text = types.join(' or ') || 'any';
    if (s.minimum !== undefined && s.maximum !== undefined) text += ` (${s.minimum} to ${s.maximum})`;
    else if (s.minimum !== undefined) text += ` (at least ${s.minimum})`;
    if (s.pattern) text += `, matching ${code(s.pattern)}`;
    if (s.maxLength !== undefined) text += `, at most ${s.maxLength} characters`;
    return text;
  };

  /** The field's own description and default, else those of what it refers to. */
  const describe = (s: Schema): { description: string; fallbackDefault: unknown } => {
    const ref = deref(s);
    const target = ref?.[1];
    const inner = target?.if && target.else ? (deref(target.else)?.[1] ?? target.else) : target;
    return {
      description: s.description ?? inner?.description ?? target?.description ?? '',
      fallbackDefault: target?.default,
    };
  };

  const table = (object: Schema): string[] => {
    const rows = ['| Field | Type | Default | Description |', '| --- | --- | --- | --- |'];
    const required = new Set(object.required ?? []);
    for (const [field, prop] of Object.entries(object.properties ?? {})) {
      const { description, fallbackDefault } = describe(prop);
      const value = prop.default !== undefined ? prop.default : fallbackDefault;
      const fallback = required.has(field) ? 'required' : value === undefined ? '' : code(value);
      rows.push(`| \`${field}\` | ${cell(typeOf(prop))} | ${cell(fallback)} | ${cell(prose(description))} |`);
    }
    return rows;
  };

  const out: string[] = [
    '<!-- Generated by `npm run docs` from schema/routes.schema.json: edit the schema, then run it. -->',
    '',
    [
      prose(schema.description ?? ''),
      "`npm run check` enforces this schema; editors that use the YAML language server (VS Code's YAML",
      'extension, Neovim, Helix, Zed) read it through the first line of `routes.yaml`:',
      '`# yaml-language-server: $schema=./schema/routes.schema.json`.',
    ].join(' '),
  ];
  for (const section of SECTIONS) {
    const object = section.def ? defs[section.def] : schema;
    if (!object) throw new Error(`the schema has no $defs.${section.def}`);
    out.push('', `## ${section.heading}`, '');
    if (section.path) out.push(`In ${section.path}. ${prose(object.description ?? '')}`.trimEnd(), '');
    out.push(...table(object));
    if (section.def === 'route') out.push('', defaultsNote(schema));
  }
  out.push('', `## ${VALUE_HEADING}`, '', '| Name | Type | Description |', '| --- | --- | --- |');
  for (const [def, name] of VALUE_TYPES) {
    const s = defs[def];
    if (!s) throw new Error(`the schema has no $defs.${def}`);
    out.push(`| ${name} | ${cell(typeOf(s))} | ${cell(prose(s.description ?? ''))} |`);
  }
  return `${out.join('\n')}\n`;
}

/** `defaults` takes a subset of the route fields with the same meaning: list them, no copy. */
function defaultsNote(schema: Schema): string {
  const defaults = schema.properties?.defaults;
  const fields = Object.keys(defaults?.properties ?? {}).map((f) => `\`${f}\``);
  return `**\`defaults\`** takes these route fields, with the same types and meaning: ${fields.join(', ')}. ${prose(defaults?.description ?? '')}`.trimEnd();
}

/** A value as YAML-flavoured inline code: `30s`, `false`, `[GET, POST]`, `{}`. */
function code(value: unknown): string {
  const yaml = (v: unknown): string =>
    Array.isArray(v)
      ? `[${v.map(yaml).join(', ')}]`
      : v !== null && typeof v === 'object'
        ? `{${Object.entries(v)
            .map(([k, x]) => `${k}: ${yaml(x)}`)
            .join(', ')}}`
        : String(v);
  const text = yaml(value);
  // A code span holding a backtick needs a longer fence (and padding).
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** Schema prose as Markdown: a lone `*` (as in *.example.com) must not start emphasis. */
function prose(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/\*/g, '\\*')))
    .join('');
}

/** Table cells: one line, pipes escaped (GitHub needs that inside code spans too). */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/**
 * Replaces what lies between the markers in `doc` with `section`; fails without markers.
 * @example replaceSection(doc, renderReference(schema))
 */
export function replaceSection(doc: string, section: string): string {
  const start = doc.indexOf(START_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (start < 0 || end < start) {
    throw new Error(`the reference needs the markers ${START_MARKER} and ${END_MARKER}, in that order`);
  }
  return `${doc.slice(0, start + START_MARKER.length)}\n${section}${doc.slice(end)}`;
}

/**
 * The text currently between the markers (to compare with a fresh rendering).
 * @example currentSection(readFileSync('docs/reference.md', 'utf8'))
 */
export function currentSection(doc: string): string | null {
  const start = doc.indexOf(START_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (start < 0 || end < start) return null;
  return doc.slice(start + START_MARKER.length + 1, end);
}

/**
 * Formats Markdown with the project's Biome (which aligns table columns), so the generated
 * section is exactly what `biome check` accepts.
 * @example formatMarkdown('| a | b |\n| --- | --- |\n')
 */
export function formatMarkdown(text: string): string {
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  return execFileSync(process.execPath, [biome, 'format', '--stdin-file-path=reference.md'], {
    input: text,
    encoding: 'utf8',
  });
}

/**
 * The document with a freshly generated reference between the markers, formatted as Biome
 * formats it. Text outside the markers is kept as it is.
 * @example writeFileSync('docs/reference.md', updateReference(doc, schema))
 */
export function updateReference(doc: string, schema: Schema): string {
  const section = currentSection(formatMarkdown(replaceSection(doc, renderReference(schema))));
  if (section === null) throw new Error('the formatter dropped the reference markers');
  return replaceSection(doc, section);
}
