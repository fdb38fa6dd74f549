/**
 * The body lengths the router may rely on: the one a request declares, and the one a response
 * body is read at.
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

/**
 * The length a response body is read at: its Content-Length, unless it is content-encoded (fetch
 * decodes gzip and br bodies, so an encoded length is not what is read); null when unknown.
 * @example readLength(new Headers({ 'content-length': '12' })) // 12
 */
export function readLength(headers: Headers): number | null {
  const declared = Number(headers.get('content-length') ?? Number.NaN);
  const encoded = (headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity';
  return Number.isSafeInteger(declared) && declared >= 0 && !encoded ? declared : null;
}
