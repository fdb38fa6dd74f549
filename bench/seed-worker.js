/**
 * The seed: the hand-written Worker this project grew out of, kept as the benchmark baseline.
 * One hard-coded route (api.fluxkontext.space -> TARGET_DOMAIN), CORS for every origin,
 * preflights answered at the edge, GETs cached with the Cache API, host/cf-ray/cf-connecting-ip
 * stripped, JSON errors. The only change for benchmarking: TARGET_SCHEME lets it reach a local
 * http origin (it was always https).
 */
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization',
  'Access-Control-Max-Age': '86400',
};

export default {
  async fetch(request, env, ctx) {
    if (request.method === 'OPTIONS') {
      return new Response(null, { status: 204, headers: CORS_HEADERS });
    }
    try {
      const url = new URL(request.url);
      const target = `${env.TARGET_SCHEME || 'https'}://${env.TARGET_DOMAIN}${url.pathname}${url.search}`;
      const cache = caches.default;
      if (request.method === 'GET') {
        const cached = await cache.match(request);
        if (cached) return cached;
      }
      const headers = new Headers(request.headers);
      headers.delete('host');
      headers.delete('cf-ray');
      headers.delete('cf-connecting-ip');
      const upstream = await fetch(target, {
        method: request.method,
        headers,
        body: request.method === 'GET' || request.method === 'HEAD' ? null : request.body,
        redirect: 'manual',
      });
      const response = new Response(upstream.body, upstream);
      for (const [name, value] of Object.entries(CORS_HEADERS)) response.headers.set(name, value);
      if (request.method === 'GET' && upstream.ok) ctx.waitUntil(cache.put(request, response.clone()));
      return response;
    } catch (error) {
      return new Response(JSON.stringify({ error: 'proxy_error', message: String(error) }), {
        status: 502,
        headers: { 'content-type': 'application/json', ...CORS_HEADERS },
      });
    }
  },
};
