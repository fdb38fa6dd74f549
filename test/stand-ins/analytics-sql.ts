/**
 * A local stand-in of the Workers Analytics Engine SQL API, a real HTTP server shaped after the
 * public docs: `POST /client/v4/accounts/{account_id}/analytics_engine/sql` with a Bearer token
 * and the query as the body; with `FORMAT JSON` it answers `{meta: [{name, type}], data: [...],
 * rows: N}`. It records every call (method, path, token, SQL) and answers the rows the test
 * chooses for each query. A wrong token gets 401, another path 404, as the API would.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface SqlCall {
  method: string;
  path: string;
  authorization: string | undefined;
  sql: string;
}

export type StandInRow = Record<string, string | number | null>;

/** What the test answers to one query: rows, or an error status and body. */
export type Answer = StandInRow[] | { status: number; body: string };

export interface SqlStandIn {
  /** To use as CLOUDFLARE_API_BASE_URL. */
  base: string;
  calls: SqlCall[];
  /** Chooses the answer to each query (by default: no rows). */
  answer: (sql: string) => Answer;
  close(): Promise<void>;
}

/**
 * Starts the stand-in on a free port of 127.0.0.1.
 * @example const api = await startSqlStandIn({ account: 'acc', token: 't' }); api.answer = () => [];
 */
export async function startSqlStandIn(expected: { account: string; token: string }): Promise<SqlStandIn> {
  const standIn: SqlStandIn = {
    base: '',
    calls: [],
    answer: () => [],
    close: () => new Promise((done) => server.close(() => done())),
  };
  const server: Server = createServer(async (req, res) => {
    const sql = await readBody(req);
    const path = req.url ?? '/';
    standIn.calls.push({ method: req.method ?? '', path, authorization: req.headers.authorization, sql });
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'POST' || path !== `/client/v4/accounts/${expected.account}/analytics_engine/sql`) {
      return send(
        404,
        JSON.stringify({ success: false, errors: [{ code: 7003, message: 'No route for that URI' }] }),
      );
    }
    if (req.headers.authorization !== `Bearer ${expected.token}`) {
      return send(
        401,
        JSON.stringify({ success: false, errors: [{ code: 10000, message: 'Authentication error' }] }),
      );
    }
    const answer = standIn.answer(sql);
    if (!Array.isArray(answer)) return send(answer.status, answer.body, 'text/plain');
    send(200, JSON.stringify(jsonFormat(answer)));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  standIn.base = `http://127.0.0.1:${port}/client/v4`;
  return standIn;
}

/** The documented `FORMAT JSON` body: column names and types, the rows, their count. */
function jsonFormat(rows: StandInRow[]) {
  const first = rows[0] ?? {};
  const meta = Object.entries(first).map(([name, value]) => ({ name, type: columnType(value) }));
  return { meta, data: rows, rows: rows.length };
}

/** ClickHouse's type names; 64-bit integers are quoted in its JSON, so a numeric string is one. */
function columnType(value: string | number | null): string {
  if (typeof value === 'number') return 'Float64';
  if (typeof value === 'string' && /^\d+$/.test(value)) return 'UInt64';
  return 'String';
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  req.setEncoding('utf8');
  for await (const chunk of req) body += chunk;
  return body;
}
