/**
 * A route's header rules, both directions: names lower-cased, values split into literals and
 * `${env.NAME}` references (each checked against the declared vars and secrets), and the env
 * names the route reads, so the Worker checks them before anything is sent.
 */
import { isCorsHeader } from '../../../src/pipeline/cors.ts';
import type { CompiledHeaderRules, CompiledRoute, Template } from '../../../src/table/types.ts';
import type { RawHeaderRules, RawRoute } from '../config.ts';
import type { DataPath } from '../source.ts';
import { headerValueProblem, parseTemplate, valueOrReport } from '../values.ts';
import type { StepContext } from './context.ts';

/**
 * Request headers a route may not set: the Worker cannot choose them, or the router owns them
 * (`Expect: 100-continue` made the origin's interim 100 come back as the answer: 502).
 */
const RESERVED_REQUEST_HEADERS = new Set([
  'host',
  'cf-connecting-ip',
  'x-forwarded-for',
  'x-request-id',
  'expect',
]);

/** @example compileHeaders(route, ctx).env // ['ORIGIN_API_KEY'] */
export function compileHeaders(
  route: RawRoute,
  ctx: StepContext,
): Pick<CompiledRoute, 'requestHeaders' | 'responseHeaders' | 'env'> {
  const requestHeaders = compileRules(
    route.headers?.request,
    ['headers', 'request'],
    RESERVED_REQUEST_HEADERS,
    ctx,
  );
  const responseHeaders = compileRules(route.headers?.response, ['headers', 'response'], new Set(), ctx);
  refuseSecretsToClients(responseHeaders, ctx);
  if (route.cors) warnReplacedByCors(route.headers?.response, ctx);
  return {
    requestHeaders,
    responseHeaders,
    env: [...new Set([requestHeaders, responseHeaders].flatMap(envNames))],
  };
}

function compileRules(
  rules: RawHeaderRules | undefined,
  at: DataPath,
  reserved: Set<string>,
  ctx: StepContext,
): CompiledHeaderRules {
  const set: Array<[string, Template]> = [];
  const spelled = new Map<string, string>();
  for (const [name, value] of Object.entries(rules?.set ?? {})) {
    const report = (message: string) => ctx.report([...at, 'set', name], message);
    if (reserved.has(name.toLowerCase())) report(`${name} is set by the router and cannot be changed here`);
    const twin = spelled.get(name.toLowerCase());
    if (twin !== undefined) report(`${name} is ${twin} again (header names ignore case): set it once`);
    spelled.set(name.toLowerCase(), name);
    const problem = headerValueProblem(value);
    if (problem) report(`the value of ${name} ${problem}`);
    const template = valueOrReport(parseTemplate(value), report);
    if (!template) continue;
    for (const part of template) {
      if (typeof part === 'object' && !ctx.declared.has(part.env)) {
        report(`\${env.${part.env}} is not declared: add it to secrets: (or vars:) at the top of the file`);
      }
    }
    set.push([name.toLowerCase(), template]);
  }
  return { set, remove: (rules?.remove ?? []).map((name) => name.toLowerCase()) };
}

/** A secret in a response header would go to every client that asks. */
function refuseSecretsToClients(rules: CompiledHeaderRules, ctx: StepContext): void {
  for (const [name, template] of rules.set) {
    for (const part of template) {
      if (typeof part === 'string' || !ctx.secrets.has(part.env)) continue;
      ctx.report(
        ['headers', 'response', 'set', name],
        `\${env.${part.env}} is a secret: a response header would send it to every client (declare it under vars: if it is not one)`,
      );
    }
  }
}

/** A route with `cors` answers CORS itself: the Worker replaces what these rules would set. */
function warnReplacedByCors(rules: RawHeaderRules | undefined, ctx: StepContext): void {
  for (const name of Object.keys(rules?.set ?? {})) {
    if (!isCorsHeader(name.toLowerCase())) continue;
    const message = `${name} is replaced by the route's cors policy: set it in cors:, or drop cors: to let the rule apply`;
    ctx.report(['headers', 'response', 'set', name], message, 'warning');
  }
}

/** The `${env.NAME}` names a set of header rules reads. */
function envNames(rules: CompiledHeaderRules): string[] {
  return rules.set.flatMap(([, template]) =>
    template.flatMap((part) => (typeof part === 'string' ? [] : [part.env])),
  );
}
