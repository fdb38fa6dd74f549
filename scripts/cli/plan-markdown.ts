/**
 * The plan as Markdown, for a pull-request comment: a one-line summary, then routes (each added
 * or changed one with its effective policy), domains, rate-limit bindings, vars and secrets, and
 * the Worker's own code, each section only when it has changes.
 */
import type { DeployRoute } from './deploy-config.ts';
import type { Plan } from './plan-diff.ts';
import type { PolicyRow } from './route-policy.ts';

/** Inline code that survives any content (backticks inside widen the fence) and table pipes. */
function code(text: string): string {
  const clean = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const fence = clean.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${clean}${fence.length > 1 ? ' ' : ''}${fence}`;
}

const cell = (value: string | null) => (value === null ? '_(not set)_' : code(value));

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function domainRow(change: string, route: DeployRoute, plan: Plan): string {
  if ('custom_domain' in route)
    return `| ${change} | ${code(route.pattern)} | custom domain | DNS record and certificate managed by Cloudflare |`;
  const deep = change === 'attach' && plan.tls.some((t) => t.pattern === route.pattern);
  const tls = deep
    ? `; **TLS:** Universal SSL covers ${code(route.zone_name)} and ${code(`*.${route.zone_name}`)} only, not these names: order an Advanced certificate (or enable Total TLS) for ${code(route.pattern.replace(/\/\*$/, ''))} first`
    : '';
  return `| ${change} | ${code(route.pattern)} | zone route | zone ${code(route.zone_name)}; its names need proxied DNS records (e.g. a wildcard record)${tls} |`;
}

/** A collapsible table of a route's effective policy. */
function policyBlock(id: string, policy: PolicyRow[], when: string): string[] {
  if (policy.length === 0) return [];
  return [
    `<details><summary>Effective policy of ${code(id)} ${when}</summary>`,
    '',
    '| Setting | Value |',
    '| --- | --- |',
    ...policy.map((p) => `| ${p.setting} | ${code(p.value)} |`),
    '',
    '</details>',
    '',
  ];
}

/**
 * Renders a plan for a pull-request comment.
 * @example renderPlanMarkdown(plan).startsWith('### Route plan') // true
 */
export function renderPlanMarkdown(plan: Plan): string {
  const out: string[] = [];
  const { routes, domains, rateLimits, vars, secrets } = plan;
  out.push(`### Route plan against ${code(plan.base)}`, '');
  if (plan.changeCount === 0) {
    out.push('No changes: merging this deploys the same routes, domains, bindings and Worker code.', '');
    out.push(...warningSection(plan));
    return `${out.join('\n').trimEnd()}\n`;
  }
  const parts = [
    plan.worker && 'another Worker',
    routes.added.length && `${count(routes.added.length, 'route')} added`,
    routes.removed.length && `${count(routes.removed.length, 'route')} removed`,
    routes.changed.length && `${count(routes.changed.length, 'route')} changed`,
    domains.attached.length && `${count(domains.attached.length, 'domain')} attached`,
    domains.detached.length && `${count(domains.detached.length, 'domain')} detached`,
    plan.code.files.length && `Worker code changed (${count(plan.code.files.length, 'file')})`,
  ].filter(Boolean);
  out.push(`**${count(plan.changeCount, 'change')}**${parts.length ? `: ${parts.join(', ')}` : ''}.`, '');

  if (plan.worker) {
    out.push(
      '#### Worker',
      '',
      '> [!WARNING]',
      `> The deploy goes to the Worker ${code(plan.worker.after)}, not ${code(plan.worker.before)}: it creates that Worker (set its secrets first, or the secrets gate stops the deploy). Detach the custom domains from ${code(plan.worker.before)} first: the deploy refuses to take over a domain another Worker holds (the domains gate). ${code(plan.worker.before)} keeps running until it is deleted.`,
      '',
    );
  }
  if (routes.added.length + routes.removed.length > 0) {
    out.push(
      '#### Routes',
      '',
      '| Change | Route | Hosts | Path | Target |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const [change, list] of [
      ['added', routes.added],
      ['removed', routes.removed],
    ] as const) {
      for (const r of list) {
        out.push(
          `| ${change} | ${code(r.id)} | ${r.hosts.map(code).join(', ')} | ${code(r.path)} | ${code(r.target)} |`,
        );
      }
    }
    out.push('');
    for (const r of routes.added) out.push(...policyBlock(r.id, r.policy, '(added)'));
  }
  for (const { id, fields, policy } of routes.changed) {
    out.push(`#### Route ${code(id)} changed`, '', '| Field | Before | After |', '| --- | --- | --- |');
    for (const f of fields) out.push(`| ${code(f.field)} | ${cell(f.before)} | ${cell(f.after)} |`);
    out.push('', ...policyBlock(id, policy, 'after this change'));
  }

  if (domains.attached.length + domains.detached.length > 0) {
    out.push('#### Domains', '');
    out.push(
      '> [!WARNING]',
      '> The deploy applies these without asking. Attaching a custom domain takes over its DNS record (an existing record for that name is replaced); detaching one deletes its record, and the host stops resolving.',
      '',
      '| Change | Pattern | Kind | Notes |',
      '| --- | --- | --- | --- |',
    );
    for (const r of domains.attached) out.push(domainRow('attach', r, plan));
    for (const r of domains.detached) out.push(domainRow('detach', r, plan));
    out.push('');
  }
  if (plan.localOnly.length > 0) {
    out.push(
      `Not deployed (local names, served only by \`wrangler dev\`): ${plan.localOnly.map(code).join(', ')}.`,
      '',
    );
  }

  if (rateLimits.added.length + rateLimits.removed.length + rateLimits.changed.length > 0) {
    out.push(
      '#### Rate-limit bindings',
      '',
      '| Change | Binding | Before | After |',
      '| --- | --- | --- | --- |',
    );
    const show = (b: { simple: { limit: number; period: number }; namespace_id: string }) =>
      code(`${b.simple.limit} per ${b.simple.period} s (namespace ${b.namespace_id})`);
    for (const b of rateLimits.added) out.push(`| added | ${code(b.name)} | | ${show(b)} |`);
    for (const b of rateLimits.removed) out.push(`| removed | ${code(b.name)} | ${show(b)} | |`);
    for (const c of rateLimits.changed)
      out.push(`| changed | ${code(c.name)} | ${show(c.before)} | ${show(c.after)} |`);
    out.push('');
  }

  const varRows = vars.added.length + vars.removed.length + vars.changed.length;
  if (varRows + secrets.added.length + secrets.removed.length > 0) {
    out.push('#### Vars and secrets', '', '| Change | Name | Before | After |', '| --- | --- | --- | --- |');
    for (const v of vars.added) out.push(`| var added | ${code(v.name)} | | ${code(v.value)} |`);
    for (const v of vars.removed) out.push(`| var removed | ${code(v.name)} | ${code(v.value)} | |`);
    for (const v of vars.changed)
      out.push(`| var changed | ${code(v.name)} | ${code(v.before)} | ${code(v.after)} |`);
    for (const s of secrets.added) {
      out.push(
        `| secret declared | ${code(s)} | | _value never shown: set it with_ ${code(`npx wrangler secret put ${s}`)} |`,
      );
    }
    for (const s of secrets.removed) out.push(`| secret no longer declared | ${code(s)} | _(secret)_ | |`);
    out.push('');
  }
  out.push(...codeSection(plan), ...warningSection(plan));
  return `${out.join('\n').trimEnd()}\n`;
}

/** `check`'s warnings on the new file: legal, but a reviewer should read them before merging. */
function warningSection(plan: Plan): string[] {
  const warnings = plan.warnings ?? [];
  if (warnings.length === 0) return [];
  return ['#### Warnings from `npm run check`', '', ...warnings.map((w) => `- ${w}`), ''];
}

/** The Worker's own code and settings: what routes.yaml does not show but the merge deploys. */
function codeSection(plan: Plan): string[] {
  const { files, compatibilityDate } = plan.code;
  if (files.length === 0) return [];
  const out = [
    '#### Worker code changed',
    '',
    'Merging this deploys a new Worker build even where the routes above are unchanged. Files that differ from the base:',
    '',
    ...files.map((f) => `- ${code(f)}`),
    '',
  ];
  if (compatibilityDate) {
    out.push(
      `Compatibility date: ${cell(compatibilityDate.before)} → ${cell(compatibilityDate.after)} (runtime behaviour may change: read the compatibility flags it turns on).`,
      '',
    );
  }
  return out;
}
