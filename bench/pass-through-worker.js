/**
 * The limit: a Worker that only forwards each request to the origin and returns its response,
 * with no routing, no policy and no log line. No proxy Worker can do less per request, so the
 * router's throughput and CPU are compared with this one.
 */
export default {
  fetch(request, env) {
    const url = new URL(request.url);
    url.protocol = `${env.TARGET_SCHEME}:`;
    url.host = env.TARGET_DOMAIN;
    return fetch(url, request);
  },
};
