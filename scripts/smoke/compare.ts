/**
 * A route test case's expectations against a real HTTP answer. The meaning of each field is the
 * one `check` gives it, read from what travels over the wire:
 *
 * - `route`, `upstream`: the debug headers (`x-router-route`, `x-router-upstream`), present only
 *   when the request carried the debug token; without it they cannot be checked.
 * - `status: proxied`: the answer came from the origin through the router. With the debug
 *   token, the router names the upstream (`x-router-upstream`) and its own error code
 *   (`x-router-error`); without it, the answer must carry the router's `x-request-id`, and a
 *   router error is recognised by its JSON body, whose `request_id` is that id. An answer the
 *   router did not make (the edge's 400 or 530, a Worker that throws) is never "proxied".
 * - With the token sent, an answer without the debug headers fails whatever the case expects:
 *   it did not come from this router (or the token is not the Worker's).
 * - `status: N`, `location`, `headers`: the answer's status and headers. `x-cache: MISS` means
 *   "cacheable" in a route test (the simulator's cache is always cold), so a warm edge cache
 *   answering `HIT` satisfies it.
 * - `error`: the router's error code.
 */

import type { CompiledRoute } from '../../src/table/types.ts';
import { showAnswerHeader } from '../cli/redact.ts';
import type { RouteTestExpect } from '../cli/route-test-file.ts';
import type { Mismatch } from '../cli/route-test-run.ts';
import { show } from '../cli/route-test-run.ts';
import type { HttpAnswer } from './send.ts';

export interface Verdict {
  mismatches: Mismatch[];
  /** Expectations that need the debug headers, when the answer carries none. */
  unchecked: string[];
  /** The router's error code and message, when the router answered itself. */
  routerError: { code: string; message: string } | null;
}

/**
 * Compares one answer with a case's expectations (and the version that must have answered).
 * @example compareAnswer({ status: 204 }, answer, { debug: true }).mismatches // [] when it was 204
 */
export function compareAnswer(
  expect: RouteTestExpect,
  answer: HttpAnswer,
  options: { debug: boolean; version?: string; route?: CompiledRoute | null },
): Verdict {
  const mismatches: Mismatch[] = [];
  const unchecked: string[] = [];
  const debug = options.debug && answer.headers.has('x-router-route');
  if (options.debug && !debug) {
    const actual = `${answer.status} without them`;
    mismatches.push({ field: 'answer', expected: "the router's debug headers (the token was sent)", actual });
  }
  const routerError = routerErrorOf(answer, debug);
  const compare = (field: string, expected: string | number | null, actual: string | number | null) => {
    if (expected !== actual) mismatches.push({ field, expected: show(expected), actual: show(actual) });
  };
  // Printed as check prints a route test's failure: what routes.yaml holds stays hidden.
  const shown = (name: string, value: string | null) =>
    value === null ? '(absent)' : JSON.stringify(showAnswerHeader(options.route ?? null, name, value));

  if (expect.route !== undefined) {
    if (!debug) unchecked.push('route');
    else {
      const route = answer.headers.get('x-router-route');
      compare('route', expect.route, route === '(none)' ? null : route);
    }
  }
  if (expect.status !== undefined) {
    const actual = routerError ? answer.status : proxiedOrStatus(answer, debug);
    if (expect.status === 'proxied' && actual !== 'proxied') {
      const why = routerError ? ` (${routerError.code})` : '';
      mismatches.push({ field: 'status', expected: show('proxied'), actual: `${answer.status}${why}` });
    } else if (expect.status !== 'proxied') compare('status', expect.status, answer.status);
  }
  if (expect.upstream !== undefined) {
    if (!debug) unchecked.push('upstream');
    else compare('upstream', expect.upstream, answer.headers.get('x-router-upstream'));
  }
  const location = answer.headers.get('location');
  if (expect.location !== undefined && expect.location !== location)
    mismatches.push({
      field: 'location',
      expected: shown('location', expect.location),
      actual: shown('location', location),
    });
  if (expect.error !== undefined) compare('error', expect.error, routerError?.code ?? null);
  for (const [name, value] of Object.entries(expect.headers ?? {})) {
    const actual = answer.headers.get(name);
    const warmCacheHit = name === 'x-cache' && value === 'MISS' && actual === 'HIT';
    if (value !== actual && !warmCacheHit)
      mismatches.push({ field: name, expected: shown(name, value), actual: shown(name, actual) });
  }
  if (options.version !== undefined && debug) {
    compare('version', options.version, answer.headers.get('x-router-version'));
  }
  return { mismatches, unchecked, routerError };
}

/**
 * 'proxied' when the origin answered through the router; the status when the router answered
 * itself (redirect, preflight) or did not make the answer at all (no `x-request-id`).
 */
function proxiedOrStatus(answer: HttpAnswer, debug: boolean): number | 'proxied' {
  if (debug) return answer.headers.has('x-router-upstream') ? 'proxied' : answer.status;
  return answer.headers.has('x-request-id') ? 'proxied' : answer.status;
}

/** The router's own JSON error, told apart from an origin's by the debug header or its request id. */
function routerErrorOf(answer: HttpAnswer, debug: boolean): Verdict['routerError'] {
  const body = jsonBody(answer.body);
  const message = typeof body?.message === 'string' ? body.message : '';
  if (debug) {
    const code = answer.headers.get('x-router-error');
    return code === null ? null : { code, message };
  }
  const requestId = answer.headers.get('x-request-id');
  if (typeof body?.error === 'string' && requestId !== null && body.request_id === requestId) {
    return { code: body.error, message };
  }
  return null;
}

type ErrorBody = { error?: unknown; message?: unknown; request_id?: unknown };

function jsonBody(text: string): ErrorBody | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as ErrorBody) : null;
  } catch {
    return null;
  }
}
