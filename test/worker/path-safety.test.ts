/**
 * Path attacks. Each one is either refused with 400 JSON, or routed where its normalised path
 * belongs, and then the origin receives exactly the path that was matched (never one that an
 * origin could resolve to somewhere else).
 *
 * What real clients send: browsers and curl resolve `..` before sending (curl keeps it only with
 * --path-as-is); a raw request line reaches the Worker through workerd's WHATWG URL parser, the
 * same parser `new Request(url)` uses here, which resolves `..`/`%2e%2e`, turns `\` into `/` and
 * percent-encodes control characters. Those parsed URLs are the first group below. The second
 * group hands the path-safety stage raw paths directly, for a runtime that kept what the parser
 * should have removed.
 */
import { describe, expect, it } from 'vitest';
import type { RawRoute } from '../../scripts/compiler/config.ts';
import { canonicalPath } from '../../src/routing/canonical-path.ts';
import { type Echo, originUrl, routerFor } from './harness.ts';

const tagged = (id: string, path: string, extra: Partial<RawRoute> = {}): RawRoute => ({
  id,
  hosts: ['paths.test'],
  path,
  origin: originUrl(),
  headers: { response: { set: { 'X-Route': id } } },
  ...extra,
});

const router = routerFor([
  tagged('root', '/'),
  tagged('public', '/public'),
  tagged('admin', '/admin', { access: { allow: ['192.0.2.1/32'] } }),
  tagged('stripped', '/s', { strip_prefix: true }),
  tagged('scope', '/@scope'),
  // Written escaped, compiled to the spelling browsers send: `/!bang`.
  tagged('bang', '/%21bang'),
  // A prefix whose case is its own.
  tagged('upper', '/API'),
  tagged('street', '/stra%C3%9Fe'),
]);

/** Sends `path` and returns which route served it and what the origin received. */
async function served(path: string): Promise<{ status: number; route: string | null; upstream?: string }> {
  const response = await router.fetch(`https://paths.test${path}`, {
    headers: { 'CF-Connecting-IP': '192.0.2.1' },
  });
  const route = response.headers.get('x-route');
  if (response.status !== 200) {
    await response.body?.cancel();
    return { status: response.status, route };
  }
  return { status: response.status, route, upstream: ((await response.json()) as Echo).url };
}

async function refused(path: string): Promise<void> {
  const response = await router.fetch(`https://paths.test${path}`);
  expect(response.status, path).toBe(400);
  expect(response.headers.get('content-type'), path).toMatch(/^application\/json/);
  const body = (await response.json()) as Record<string, string>;
  expect(body.error, path).toBe('bad_request');
  expect(body.request_id, path).toBe(response.headers.get('x-request-id'));
}

describe('path attacks through the URL parser', () => {
  it('routes dot segments where the resolved path belongs; the origin sees that path', async () => {
    for (const path of [
      '/public/../admin',
      '/public/%2e%2e/admin',
      '/public/%2E%2e/admin',
      '/public/.%2e/admin',
      '/public/./../admin',
      '/public\\..\\admin',
      '/public/x/../../admin',
    ]) {
      expect(await served(path), path).toEqual({ status: 200, route: 'admin', upstream: '/admin' });
    }
  });

  it('keeps dot segments from climbing above the root', async () => {
    expect(await served('/../../admin')).toEqual({ status: 200, route: 'admin', upstream: '/admin' });
    expect(await served('/public/../../../etc/passwd')).toEqual({
      status: 200,
      route: 'root',
      upstream: '/etc/passwd',
    });
  });

  it('merges repeated slashes before matching and forwards the merged path', async () => {
    expect(await served('//admin')).toEqual({ status: 200, route: 'admin', upstream: '/admin' });
    expect(await served('/public//x///y')).toEqual({ status: 200, route: 'public', upstream: '/public/x/y' });
    expect(await served('///public')).toEqual({ status: 200, route: 'public', upstream: '/public' });
    expect(await served('//s//x')).toEqual({ status: 200, route: 'stripped', upstream: '/x' });
  });

  it('refuses encoded slashes and backslashes', async () => {
    await refused('/public%2F..%2Fadmin');
    await refused('/public%2f..%2fadmin');
    await refused('/public/%2Fadmin');
    await refused('/public%5C..%5Cadmin');
    await refused('/public/%5c');
  });

  it('refuses an encoded ? or #: an origin that decodes and then parses reads /admin%3F.json as /admin', async () => {
    for (const path of [
      '/admin%3F',
      '/admin%3f.json',
      '/admin%3Fx/panel',
      '/admin%23',
      '/admin%23/x',
      '/public%3F/admin',
      '/s/..%3F',
      '/s/..%23x',
      '/public/a%253Fb',
      '/public/a%3%46b',
    ]) {
      await refused(path);
    }
    // A raw ? starts the query and # the fragment: neither is part of the path.
    expect(await served('/public/x?a=%3F#frag')).toEqual({
      status: 200,
      route: 'public',
      upstream: '/public/x?a=%3F',
    });
  });

  it('refuses characters that Unicode normalisation turns into another route or a delimiter', async () => {
    // An origin that normalises (NFKC) reads fullwidth ａ as a, ／ as /, ． as . and ； as ;.
    for (const path of [
      '/ａdmin',
      '/%EF%BD%81dmin',
      '/ａｄｍｉｎ/x',
      '/public／..／admin',
      '/public/．．/admin',
      '/public/%EF%BC%8E%EF%BC%8E/admin',
      '/public/a；b',
      '/public/a＼b',
      '/public/a？b',
      '/public/a＃b',
      '/s/．．/admin',
      // Trimmed first (Windows), then normalised: `‥.` is `‥`, then `..`.
      '/public/‥./admin',
      '/x/‥./admin',
      '/public/．．./admin',
    ]) {
      await refused(path);
    }
    // Normalising that keeps the route and every delimiter changes nothing: served as sent.
    expect(await served('/public/ﬁle')).toEqual({
      status: 200,
      route: 'public',
      upstream: '/public/%EF%AC%81le',
    });
    expect(await served('/public/日本')).toEqual({
      status: 200,
      route: 'public',
      upstream: '/public/%E6%97%A5%E6%9C%AC',
    });
  });

  it('refuses a segment ending in a dot or space when Windows would read another route there', async () => {
    // IIS drops trailing dots and spaces: /admin./x is /admin/x there.
    for (const path of [
      '/admin.',
      '/admin./x',
      '/admin%20/x',
      '/admin.%20./x',
      '/public/../admin%2e',
      '/x/..%20/admin',
    ]) {
      await refused(path);
    }
    // Dropping them that keeps the route changes nothing: served as sent.
    expect(await served('/public/a..')).toEqual({ status: 200, route: 'public', upstream: '/public/a..' });
    expect(await served('/x./y')).toEqual({ status: 200, route: 'root', upstream: '/x./y' });
    expect(await served('/public/%20')).toEqual({ status: 200, route: 'public', upstream: '/public/%20' });
    await refused('/public./x');
  });

  it('refuses a path that an origin ignoring case (Express, ASP.NET, IIS) reads as another route', async () => {
    for (const path of [
      '/ADMIN',
      '/Admin/x',
      '/aDmIn/x/y',
      '/PUBLIC/x',
      '/S/x',
      '/@SCOPE',
      // Folded as an origin that upper-cases: dotless ı is I, long ſ is S; as Java's
      // equalsIgnoreCase: İ is i; as JavaScript's lower-casing: ẞ is ß.
      '/adm%C4%B1n',
      '/@%C5%BFcope/x',
      '/adm%C4%B0n/x',
      '/ADM%C4%B0N',
      '/stra%E1%BA%9Ee/x',
      '/STRA%E1%BA%9EE',
      // Combined with the other readings: fullwidth, Windows' trailing dot, `;` cut.
      '/ＡＤＭＩＮ/x',
      '/ADMIN./x',
      '/x/..;/ADMIN',
      // Case is compared with the route's own spelling: /API is served, other spellings are not.
      '/api/x',
      '/Api',
    ]) {
      await refused(path);
    }
    const answer = await router.fetch('https://paths.test/ADMIN/x');
    expect(((await answer.json()) as { message: string }).message).toBe(
      'The path reads as another route to origins that ignore case (Express by default, ASP.NET, IIS)',
    );
    // Folding that keeps the route changes nothing: served as sent, case kept.
    expect(await served('/x/ADMIN')).toEqual({ status: 200, route: 'root', upstream: '/x/ADMIN' });
    expect(await served('/Public')).toEqual({ status: 400, route: null });
    expect(await served('/public/ReadMe.TXT')).toEqual({
      status: 200,
      route: 'public',
      upstream: '/public/ReadMe.TXT',
    });
    expect(await served('/API/Users')).toEqual({ status: 200, route: 'upper', upstream: '/API/Users' });
    expect(await served('/straße/x')).toEqual({ status: 200, route: 'street', upstream: '/stra%C3%9Fe/x' });
    expect(await served('/Administrators')).toEqual({
      status: 200,
      route: 'root',
      upstream: '/Administrators',
    });
  });

  it('refuses an NTFS stream name that Windows reads as another route', async () => {
    for (const path of [
      '/admin::$INDEX_ALLOCATION/x',
      '/admin:$i30:$index_allocation/x',
      '/admin::$DATA',
      '/public/../admin::$data',
      // A dot segment once the stream name is gone: refused whatever it reads as.
      '/public/..::$DATA/admin',
      '/public/.::$DATA',
    ]) {
      await refused(path);
    }
    expect(await served('/public/a::$DATA')).toEqual({
      status: 200,
      route: 'public',
      upstream: '/public/a::$DATA',
    });
  });

  it('refuses a segment starting with spaces when Spring (before 4.3, which trims each part) would read another route there', async () => {
    // Found by a review: the trailing spaces were read, the leading ones were not.
    for (const path of [
      '/%20admin/x',
      '/%20%20admin',
      '/x/..%2F%20admin',
      // No-break, ideographic and en-quad spaces are plain spaces after NFKC.
      '/%C2%A0admin/x',
      '/%E3%80%80admin/x',
      '/%E2%80%80admin',
      // Combined with the other readings.
      '/%20ADMIN/x',
      '/%20admin./x',
      '/%20s/x',
      // A dot segment once trimmed: refused whatever it reads as.
      '/public/%20../admin',
    ]) {
      await refused(path);
    }
    expect(await served('/public/%20x')).toEqual({ status: 200, route: 'public', upstream: '/public/%20x' });
    expect(await served('/%20x/admin')).toEqual({ status: 200, route: 'root', upstream: '/%20x/admin' });
  });

  it('refuses an ASP.NET cookieless-session token that the .NET Framework drops before routing another route there', async () => {
    // Found by a review: `/(S(x))/admin/x` is `/admin/x` to ASP.NET, which strips the token
    // before routing and authorisation (and some IIS versions read `/ad(S(x))min` as `/admin`).
    for (const path of [
      '/(S(x))/admin/x',
      '/(X(1)S(abc))/admin',
      '/(A(x))/admin/x',
      '/(F(x))/admin/x',
      '/(X(1)A(x)F(y)S(z))/admin/x',
      '/(s(x))/admin/x',
      '/ad(S(x))min/x',
      '/%28S%28x%29%29/admin/x',
      '/(S(x))/ADMIN/x',
      '/(S(x))/%EF%BD%81dmin/x',
      // A dot segment once the token is gone: refused whatever it reads as.
      '/public/.(S(x)).(A(y))/admin',
    ]) {
      await refused(path);
    }
    expect(await served('/public/(S(x))/y')).toEqual({
      status: 200,
      route: 'public',
      upstream: '/public/(S(x))/y',
    });
    expect(await served('/public/(draft)/y')).toEqual({
      status: 200,
      route: 'public',
      upstream: '/public/(draft)/y',
    });
  });

  it('refuses an escaped @, !, $ ... that reads as another route once decoded; a prefix written escaped is served in the spelling browsers send', async () => {
    for (const path of ['/%40scope', '/%40scope/x', '/%40sc%6Fpe/x', '/%21bang', '/%21bang/y'])
      await refused(path);
    expect(await served('/@scope/x')).toEqual({ status: 200, route: 'scope', upstream: '/@scope/x' });
    expect(await served('/!bang/y')).toEqual({ status: 200, route: 'bang', upstream: '/!bang/y' });
    // Decoding that keeps the route changes nothing: served as sent.
    expect(await served('/public/a%40b%2Bc')).toEqual({
      status: 200,
      route: 'public',
      upstream: '/public/a%40b%2Bc',
    });
  });

  it('refuses NUL and other control characters, raw or encoded', async () => {
    await refused('/public/%00');
    await refused('/public/a%00b');
    await refused('/admin%00.html');
    await refused('/public/%0d%0aX-Injected:%201');
    await refused('/public/%7f');
    // A raw NUL is percent-encoded by the parser and refused the same way.
    await refused('/public/a\u0000b');
  });

  it('decodes encoded unreserved characters, so /%61dmin cannot slip past the /admin route', async () => {
    expect(await served('/%61dmin')).toEqual({ status: 200, route: 'admin', upstream: '/admin' });
    // `%41` is `A`: /Admin, which an origin that ignores case reads as /admin (below).
    await refused('/%41dmin');
    expect(await served('/public/%7Euser/a%2Db%5Fc%2e')).toEqual({
      status: 200,
      route: 'public',
      upstream: '/public/~user/a-b_c.',
    });
    const blocked = await router.fetch('https://paths.test/%61dmin', {
      headers: { 'CF-Connecting-IP': '192.0.2.9' },
    });
    await blocked.body?.cancel();
    expect(blocked.status).toBe(403);
  });

  it('keeps other escapes (upper-cased), and refuses double-encoded ones', async () => {
    expect(await served('/public/caf%c3%a9')).toEqual({
      status: 200,
      route: 'public',
      upstream: '/public/caf%C3%A9',
    });
    expect(await served('/public/café')).toEqual({
      status: 200,
      route: 'public',
      upstream: '/public/caf%C3%A9',
    });
    // An origin that decodes twice would read %252e%252e as .. : refused, never forwarded.
    await refused('/public/%252e%252e/admin');
    expect(await served('/public/a%20b')).toEqual({
      status: 200,
      route: 'public',
      upstream: '/public/a%20b',
    });
    // IIS's %u002e, escaped once: refused in every spelling of the u and its digits.
    for (const path of [
      '/public/%25u002e%25u002e/admin',
      '/public/%25U002E',
      '/public/%25%75002e',
      '/public/%25u%30%30%32%65',
    ])
      await refused(path);
    // A percent sign before other text is just that.
    for (const path of ['/public/100%25uptime', '/public/50%25Ugly', '/public/%25u12'])
      expect(await served(path), path).toEqual({ status: 200, route: 'public', upstream: path });
  });

  it('leaves the query alone: it is not a path', async () => {
    expect(await served('/public/x?next=%2F..%2Fadmin&z=%00')).toEqual({
      status: 200,
      route: 'public',
      upstream: '/public/x?next=%2F..%2Fadmin&z=%00',
    });
  });
});

describe('raw paths a runtime might keep', () => {
  /** The canonical path of a path that was not cleaned by a URL parser. */
  function check(rawPath: string): { status: number | null; path: string } {
    const canonical = canonicalPath(rawPath);
    return canonical.ok ? { status: null, path: canonical.path } : { status: 400, path: rawPath };
  }

  it('refuses dot segments, backslashes and control characters', () => {
    for (const path of [
      '/public/../admin',
      '/public/./admin',
      '/public/..',
      '/..',
      '/public/%2e%2e/admin',
      '/public/.%2E/admin',
      '/public\\..\\admin',
      '/public/a\u0000b',
      '/public/a\tb',
      '/public/a\r\nb',
    ]) {
      expect(check(path).status, JSON.stringify(path)).toBe(400);
    }
  });

  it('lets names that merely contain dots through', () => {
    for (const path of ['/public/..a', '/public/a..', '/public/.well-known/x', '/public/...']) {
      expect(check(path), path).toEqual({ status: null, path });
    }
  });

  it('normalises what it keeps', () => {
    expect(check('//public//%61//x')).toEqual({ status: null, path: '/public/a/x' });
  });
});
