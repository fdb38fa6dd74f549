/**
 * Host normalisation, one rule everywhere: lower-case, no port, no trailing dots. Every trailing
 * dot goes, so that the rule gives the same answer applied twice: the URL parser lets
 * `api.example.com..` through, and with one dot dropped it routed as `api.example.com` while the
 * cache key, X-Forwarded-Host and Location kept `api.example.com.`.
 * @example normalizeHost('API.Example.com.:443') // 'api.example.com'
 */
export function normalizeHost(host: string): string {
  let h = host.toLowerCase();
  if (!h.startsWith('[')) {
    const colon = h.lastIndexOf(':');
    if (colon !== -1) h = h.slice(0, colon);
  } else {
    h = h.slice(0, h.indexOf(']') + 1);
  }
  while (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/**
 * The public host in its one spelling, used for the cache key, `Location` rewriting and
 * X-Forwarded-Host alike: the normalised host, plus the port when it is not the scheme's
 * default (the URL parser already drops `:443` on https and `:80` on http).
 * @example canonicalAuthority('api.example.com', '8443') // 'api.example.com:8443'
 */
export function canonicalAuthority(host: string, port: string): string {
  return port === '' ? host : `${host}:${port}`;
}
