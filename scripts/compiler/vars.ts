/**
 * The names `${env.NAME}` may use: vars (values in the file) and secrets (values set with
 * wrangler). Both become names in the Worker's env, beside the bindings the build declares, so
 * a name may not be one a binding takes.
 */
import { DEBUG_SECRET } from '../../src/pipeline/debug.ts';
import { METRICS_BINDING, VERSION_BINDING } from '../../src/pipeline/metrics.ts';
import type { CompiledTable } from '../../src/table/types.ts';
import type { Reporter } from './compile.ts';
import type { RawConfig } from './config.ts';
import { RATE_LIMIT_PREFIX } from './steps/rate-limits.ts';
import { headerValueProblem } from './values.ts';

/**
 * Declared vars and secrets, checked: no name both, none a binding's name, no var value a
 * header could not carry.
 * @example compileEnv({ vars: { REGION: 'eu' }, secrets: ['TOKEN'], routes: [] }, report).declared // Set { 'REGION', 'TOKEN' }
 */
export function compileEnv(config: Pick<RawConfig, 'vars' | 'secrets'>, report: Reporter) {
  const vars = { ...(config.vars ?? {}) };
  const secrets = [...(config.secrets ?? [])];
  for (const [i, name] of secrets.entries()) {
    if (name in vars) report(['secrets', i], `"${name}" is declared both as a var and as a secret`);
    const taken = bindingName(name);
    if (taken) report(['secrets', i], `secret ${name} would hide ${taken}: choose another name`);
  }
  for (const [name, value] of Object.entries(vars)) {
    const taken = bindingName(name);
    if (taken) report(['vars', name], `var ${name} would hide ${taken}: choose another name`);
    if (name === DEBUG_SECRET)
      report(
        ['vars', name],
        `${name} is the operator's debug token: as a var it would sit in git and in plain [vars]; set it as a secret (npx wrangler secret put ${name})`,
      );
    const problem =
      value === ''
        ? 'is empty: every request that uses it would fail with 500 config_error (leave the header rule out instead)'
        : headerValueProblem(value);
    if (problem) report(['vars', name], `the value of ${name} ${problem}`);
  }
  return {
    vars: vars as CompiledTable['vars'],
    secrets,
    declared: new Set([...Object.keys(vars), ...secrets]),
  };
}

/** The binding a var or secret of this name would collide with, described; null when none. */
function bindingName(name: unknown): string | null {
  if (typeof name !== 'string') return null; // a schema error already
  if (name === METRICS_BINDING) return 'the metrics dataset binding';
  if (name === VERSION_BINDING) return 'the version metadata binding';
  if (name.startsWith(RATE_LIMIT_PREFIX)) return `the rate-limit bindings (${RATE_LIMIT_PREFIX}<ROUTE ID>)`;
  return null;
}
