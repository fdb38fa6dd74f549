/**
 * The load test's traffic: a deterministic mix of request kinds (GET and POST/PUT, cache hits
 * and misses, small and 1 MB bodies) over the three routes of the load-test table, each with
 * what its answer must be (the sha256 of the /bytes pattern, or of the upload the origin got).
 */
import { createHash, randomBytes } from 'node:crypto';
import { patternChunk } from '../../test/origin/server.ts';

const MB = 1024 * 1024;

export interface Plan {
  kind: string;
  method: 'GET' | 'POST' | 'PUT';
  host: string;
  path: string;
  body?: Buffer;
  bodySha?: string;
  /** For downloads: the length and sha256 the body must have. */
  expectBytes?: { length: number; sha: string };
}

interface Body {
  data: Buffer;
  sha: string;
}

export interface Bodies {
  small: Body[];
  large: Body[];
}

/** Deterministic mix of request kinds, by share (out of 100). */
const MIX: Array<[share: number, make: (i: number, bodies: Bodies) => Plan]> = [
  // Cache hits and misses: 200 small keys and 10 large ones, each a miss once, then hits.
  [30, (i) => download('cached-small', 'cached.localhost', 16 * 1024, `k=${i % 200}`)],
  [5, (i) => download('cached-1mb', 'cached.localhost', MB, `k=${i % 10}`)],
  // The failover route (origin A restarts midway; B is its backup).
  [15, (i) => download('failover-get', 'failover.localhost', 1024 + (i % 50) * 100, `u=${i}`)],
  [5, (i) => download('failover-get-1mb', 'failover.localhost', MB, `u=${i}`)],
  [20, (i, b) => upload('failover-post', 'POST', 'failover.localhost', pick(b.small, i))],
  [5, (i, b) => upload('failover-post-1mb', 'POST', 'failover.localhost', pick(b.large, i))],
  // A single-origin route: uploads (POST and PUT) and an uncached echo.
  [10, (i, b) => upload('direct-post', i % 2 ? 'POST' : 'PUT', 'direct.localhost', pick(b.small, i))],
  [5, (i, b) => upload('direct-post-1mb', 'POST', 'direct.localhost', pick(b.large, i))],
  [5, (i) => ({ kind: 'direct-get', method: 'GET', host: 'direct.localhost', path: `/echo/get?i=${i}` })],
];

/**
 * The i-th request of the run; with `only`, the next kind whose name contains it.
 * @example planFor(0, makeBodies()).kind // 'cached-small'
 */
export function planFor(i: number, bodies: Bodies, only?: string): Plan {
  // Spread kinds evenly through the run: position within each block of 100.
  for (let attempt = 0; attempt < 100; attempt++) {
    let slot = ((i + attempt) * 37) % 100;
    for (const [share, make] of MIX) {
      if (slot < share) {
        const plan = make(i, bodies);
        if (!only || plan.kind.includes(only)) return plan;
        break;
      }
      slot -= share;
    }
  }
  throw new Error(`no request kind matches --only ${only}`);
}

/**
 * Random upload bodies with their sha256: 32 small ones and three of 1 MB.
 * @example makeBodies().large.length // 3
 */
export function makeBodies(): Bodies {
  const make = (size: number) => {
    const data = randomBytes(size);
    return { data, sha: createHash('sha256').update(data).digest('hex') };
  };
  return {
    small: Array.from({ length: 32 }, (_, i) => make(256 + i * 509)),
    large: Array.from({ length: 3 }, () => make(MB)),
  };
}

/** The i-th element, round the list. */
function pick<T>(list: T[], i: number): T {
  return list[i % list.length] as T;
}

const shaCache = new Map<number, string>();
function patternSha(length: number): string {
  let sha = shaCache.get(length);
  if (!sha) {
    sha = createHash('sha256').update(patternChunk(0, length)).digest('hex');
    shaCache.set(length, sha);
  }
  return sha;
}

function download(kind: string, host: string, length: number, query: string): Plan {
  return {
    kind,
    method: 'GET',
    host,
    path: `/bytes?n=${length}&${query}`,
    expectBytes: { length, sha: patternSha(length) },
  };
}

function upload(kind: string, method: 'POST' | 'PUT', host: string, body: Body): Plan {
  return { kind, method, host, path: `/echo/${kind}`, body: body.data, bodySha: body.sha };
}
