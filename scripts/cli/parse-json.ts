/**
 * JSON, or undefined when the text is not JSON: for lines and bodies that may hold anything
 * (log streams, an origin's answer).
 * @example parseJson(Buffer.from('{"a":1}')) // { a: 1 }
 */
export function parseJson(body: Buffer | string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
