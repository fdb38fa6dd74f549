/**
 * The runtime calls one proxied request makes, each looped `n` times inside one request: what a
 * call into workerd costs, so the router's per-request work can be priced call by call
 * (bench/calls.ts reads the process's CPU time around each batch).
 */
let request;
let response;

const CALLS = {
  'nothing (the loop itself)': () => 0,
  'new URL(string)': () => new URL('http://r5.bench.test/small?x=1'),
  'request.url': () => request.url,
  'headers.get(name)': () => request.headers.get('x-request-id'),
  'headers.set(name, value)': () => response.headers.set('x-request-id', 'abc'),
  'headers.delete(absent name)': () => response.headers.delete('keep-alive'),
  'new Headers(headers)': () => new Headers(request.headers),
  'walk headers.keys() (5 names)': () => {
    let n = 0;
    for (const name of request.headers.keys()) n += name.length;
    return n;
  },
  'new Response(body, response)': () => new Response(null, response),
  'AbortController + setTimeout + clearTimeout': () => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 30_000);
    clearTimeout(timer);
    return abort.signal;
  },
  'crypto.randomUUID()': () => crypto.randomUUID(),
  'JSON.stringify(log record)': () =>
    JSON.stringify({
      request_id: '5b1f3e0c-1f7a-4c1b-9d7e-2f0a6b8c9d10',
      route: 'r5',
      host: 'r5.bench.test',
      method: 'GET',
      path: '/small',
      status: 200,
      duration_ms: 3,
      cache: 'BYPASS',
      origin: 'http://127.0.0.1:34567',
      origin_status: 200,
      tries: 1,
      error: null,
    }),
  'console.log(log line)': () =>
    console.log(
      '{"request_id":"5b1f3e0c-1f7a-4c1b-9d7e-2f0a6b8c9d10","route":"r5","host":"r5.bench.test","method":"GET","path":"/small","status":200,"duration_ms":3,"cache":"BYPASS","origin":"http://127.0.0.1:34567","origin_status":200,"tries":1,"error":null}',
    ),
};

export default {
  fetch(incoming) {
    request ??= new Request('http://r5.bench.test/small', {
      headers: { host: 'r5.bench.test', 'user-agent': 'autocannon', accept: '*/*', 'x-a': '1', 'x-b': '2' },
    });
    response ??= new Response('x', {
      headers: {
        'content-type': 'text/plain',
        'cache-control': 'no-store',
        'content-length': '1',
        date: 'Wed',
        'x-y': 'z',
      },
    });
    const query = new URL(incoming.url).searchParams;
    const name = query.get('call');
    if (name === null) return Response.json(Object.keys(CALLS));
    const call = CALLS[name];
    const n = Number(query.get('n'));
    for (let i = 0; i < n; i++) call();
    return new Response('ok');
  },
};
