/**
 * The Workers Analytics Engine SQL API: `POST {base}/accounts/{account_id}/analytics_engine/sql`
 * with the query as the body and a Bearer token, answering (with `FORMAT JSON`) an object
 * `{meta: [{name, type}], data: [{column: value}], rows}`. The base is Cloudflare's public API
 * unless CLOUDFLARE_API_BASE_URL names another (the tests' local stand-in). The token is never
 * printed, not even inside an error the API sends back.
 */

export const DEFAULT_API_BASE = 'https://api.cloudflare.com/client/v4';

export interface SqlApi {
  url: string;
  token: string;
}

/** One result row; 64-bit integers may come as strings (ClickHouse quotes them in JSON). */
export type SqlRow = Record<string, string | number | null>;

/**
 * The API address and token from the environment, or an error naming what is missing.
 * @example sqlApiFrom(io.env).url // 'https://api.cloudflare.com/client/v4/accounts/abc/analytics_engine/sql'
 */
export function sqlApiFrom(env: Record<string, string | undefined>): SqlApi {
  const missing = ['CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_API_TOKEN'].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: stats needs the account id and an API token with Account Analytics: Read`,
    );
  }
  const base = (env.CLOUDFLARE_API_BASE_URL || DEFAULT_API_BASE).replace(/\/+$/, '');
  const account = encodeURIComponent(env.CLOUDFLARE_ACCOUNT_ID as string);
  return {
    url: `${base}/accounts/${account}/analytics_engine/sql`,
    token: env.CLOUDFLARE_API_TOKEN as string,
  };
}

/**
 * Runs one query and returns its rows.
 * @example const rows = await runSql(api, summaryQuery(scope));
 */
export async function runSql(api: SqlApi, sql: string): Promise<SqlRow[]> {
  let response: Response;
  try {
    response = await fetch(api.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'text/plain' },
      body: sql,
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    // The address without the account id, which is never printed (the alert posts this line).
    const where = api.url.replace(/\/accounts\/[^/]+\//, '/accounts/(account)/');
    throw new Error(`cannot reach the Analytics Engine SQL API at ${where}: ${why}`);
  }
  const text = await response.text();
  if (!response.ok) {
    const hint =
      response.status === 401 || response.status === 403 ? ' (the token needs Account Analytics: Read)' : '';
    throw new Error(
      `the Analytics Engine SQL API answered ${response.status}${hint}: ${hide(text, api.token).slice(0, 500)}`,
    );
  }
  let body: { data?: unknown };
  try {
    body = JSON.parse(text) as { data?: unknown };
  } catch {
    throw new Error(
      `the Analytics Engine SQL API answered something that is not JSON: ${hide(text, api.token).slice(0, 200)}`,
    );
  }
  if (!Array.isArray(body.data)) throw new Error('the Analytics Engine SQL API answer has no "data" rows');
  return body.data as SqlRow[];
}

/** Text from the API with the token cut out, should it ever be echoed back. */
function hide(text: string, token: string): string {
  return token ? text.split(token).join('(hidden)') : text;
}

/**
 * A number from a result cell (numbers, or integers quoted as strings); null for empty cells.
 * @example cellNumber('42') // 42
 */
export function cellNumber(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(number) ? number : null;
}
