/**
 * The body length a request declares, when the router may rely on it.
 *
 * Only a Content-Length of digits alone, on a request without Transfer-Encoding. With both, RFC
 * 9112 6.3 says Transfer-Encoding wins: the Content-Length is to be ignored (and removed before
 * forwarding). workerd frames such a body as chunked yet still shows the Worker the
 * Content-Length, so a client could declare 10 bytes and send 50,000.
 * @example declaredLength(new Headers({ 'content-length': '10', 'transfer-encoding': 'chunked' })) // null
 */
export function declaredLength(headers: Headers): number | null {
  if (headers.has('transfer-encoding')) return null;
  const value = headers.get('content-length');
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}
