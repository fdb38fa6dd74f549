/**
 * One load-test request and its verdict: the status, and the body against what it must be. A
 * body cut short is an error the client can see (truncated); a complete body that is not the
 * right one is a mismatch, which must never happen.
 */
import { createHash } from 'node:crypto';
import { type Agent, type IncomingMessage, request } from 'node:http';
import { parseJson } from '../cli/parse-json.ts';
import type { Plan } from './traffic.ts';

export interface Outcome {
  kind: string;
  status: number;
  /** A router error code, a client-side failure, or undefined when all is well. */
  error?: string;
  /** The body arrived complete by HTTP framing, but was not the right body. */
  mismatch: boolean;
  ms: number;
  cache?: string;
}

type Verdict = Omit<Outcome, 'kind' | 'ms'>;

/**
 * Sends `plan` to the router on 127.0.0.1:`port` and judges the answer; never rejects.
 * @example const outcome = await send(agent, 8787, planFor(0, bodies));
 */
export function send(agent: Agent, port: number, plan: Plan): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (verdict: Verdict) => {
      if (settled) return;
      settled = true;
      resolve({ kind: plan.kind, ms: performance.now() - started, ...verdict });
    };
    const headers: Record<string, string> = { host: plan.host };
    if (plan.body) {
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = String(plan.body.length);
    }
    const req = request(
      { agent, host: '127.0.0.1', port, method: plan.method, path: plan.path, headers, timeout: 60_000 },
      (res) => judge(res, plan, done),
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      done({ status: 0, error: `client:${error.code ?? error.message}`, mismatch: false }),
    );
    req.end(plan.body);
  });
}

/** Reads the response (hashing a download as it streams) and gives the verdict. */
function judge(res: IncomingMessage, plan: Plan, done: (verdict: Verdict) => void): void {
  const status = res.statusCode ?? 0;
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let length = 0;
  const keep = !plan.expectBytes || status !== 200;
  res.on('data', (chunk: Buffer) => {
    length += chunk.length;
    if (keep) chunks.push(chunk);
    else hash.update(chunk);
  });
  // 'aborted' / 'error': the connection closed before the body was complete. That is what a
  // client can detect of an origin dying mid-body; it is an error, not a mismatch.
  res.on('aborted', () => done({ status, error: 'client:truncated', mismatch: false }));
  res.on('error', () => done({ status, error: 'client:truncated', mismatch: false }));
  res.on('end', () => {
    if (!res.complete) return done({ status, error: 'client:truncated', mismatch: false });
    const cache = res.headers['x-cache'] as string | undefined;
    const declared = res.headers['content-length'];
    if (declared !== undefined && Number(declared) !== length) {
      return done({ status, error: 'client:short-body', mismatch: false, cache });
    }
    if (status !== 200)
      return done({ status, error: routerError(Buffer.concat(chunks)), mismatch: false, cache });
    if (plan.expectBytes) {
      const ok = length === plan.expectBytes.length && hash.digest('hex') === plan.expectBytes.sha;
      return done({ status, mismatch: !ok, cache });
    }
    done({ status, mismatch: !echoMatches(Buffer.concat(chunks), plan), cache });
  });
}

/** The echo origin's report matches the upload (length and sha256), or the path for a GET. */
function echoMatches(body: Buffer, plan: Plan): boolean {
  const echo = parseJson(body) as { bodyLength?: number; bodySha256?: string; url?: string } | undefined;
  if (plan.body) return echo?.bodyLength === plan.body.length && echo.bodySha256 === plan.bodySha;
  return echo?.url === plan.path;
}

function routerError(body: Buffer): string {
  const parsed = parseJson(body) as { error?: unknown } | undefined;
  return typeof parsed?.error === 'string' ? parsed.error : 'origin-status';
}
