/**
 * Host normalisation, one rule everywhere: lower-case, no port, no trailing dot.
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
  return h.endsWith('.') ? h.slice(0, -1) : h;
}
