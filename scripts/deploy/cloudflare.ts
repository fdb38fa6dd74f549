/**
 * The few Cloudflare API calls the deploy makes itself (wrangler makes the rest): read the Worker,
 * its deployments, secrets, custom domains and zone routes, and detach what wrangler leaves
 * attached. Every answer is the `{success, errors, messages, result}` envelope. The base URL is
 * CLOUDFLARE_API_BASE_URL when set (as wrangler reads it), so tests run against a local stand-in.
 * The token is sent, never printed. Every call has its own deadline (60 s, headers and body):
 * a stalled API fails the deploy with a message, and the deploy's restore steps run, instead of
 * hanging a CI job.
 */

export const API_TIMEOUT_MS = 60_000;

export const DEFAULT_API_BASE = 'https://api.cloudflare.com/client/v4';

export class CloudflareError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly codes: number[],
  ) {
    super(message);
  }
}

export interface Cloudflare {
  get<T>(path: string): Promise<T>;
  delete(path: string): Promise<void>;
}

/**
 * A client for the API at `baseUrl` with an API token.
 * @example const api = cloudflare({ token, baseUrl: env.CLOUDFLARE_API_BASE_URL }); await api.get('/zones?name=example.com')
 */
export function cloudflare(options: { token: string; baseUrl?: string; timeoutMs?: number }): Cloudflare {
  const base = (options.baseUrl || DEFAULT_API_BASE).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? API_TIMEOUT_MS;
  const call = async <T>(method: string, path: string): Promise<T> => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const late = () => new CloudflareError(`${method} ${path}: no answer within ${timeoutMs} ms`, 0, []);
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
        signal: deadline,
      });
    } catch (error) {
      if (deadline.aborted) throw late();
      throw new CloudflareError(`${method} ${path}: ${(error as Error).message}`, 0, []);
    }
    const body = (await response.json().catch(() => null)) as {
      success?: boolean;
      errors?: Array<{ code: number; message: string }>;
      result?: T;
    } | null;
    // The deadline covers the body too: a body cut by it is no answer, not a malformed one.
    if (deadline.aborted) throw late();
    if (!response.ok || !body?.success) {
      const errors = body?.errors ?? [];
      const detail =
        errors.map((e) => `${e.message} [code: ${e.code}]`).join('; ') || `HTTP ${response.status}`;
      throw new CloudflareError(
        `${method} ${path}: ${detail}`,
        response.status,
        errors.map((e) => e.code),
      );
    }
    return body.result as T;
  };
  return {
    get: (path) => call('GET', path),
    delete: async (path) => {
      await call('DELETE', path);
    },
  };
}

/** Wrangler's codes for "this Worker does not exist" (scripts and services endpoints). */
export function isWorkerMissing(error: unknown): boolean {
  return error instanceof CloudflareError && error.codes.some((c) => c === 10007 || c === 10090);
}
