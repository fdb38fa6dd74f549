/**
 * Invalid CIDRs in `access` fail the build with a positioned error, every one of them at once;
 * valid ones (IPv4, IPv6, bare addresses) compile to the networks the Worker compares against.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../scripts/compiler/analyze.ts';

/** A one-route file whose access list holds `cidr` (on line 7, in allow or deny). */
function withCidr(cidr: string, list: 'allow' | 'deny' = 'allow'): string {
  return [
    'version: 1',
    'routes:',
    '  - id: api',
    '    hosts: [api.example.com]',
    '    origin: https://backend.example.net',
    '    access:',
    `      ${list}: ['${cidr}']`,
    '',
  ].join('\n');
}

const errors = (text: string) => analyze(text).diagnostics.filter((d) => d.severity === 'error');

describe('access CIDRs at build time', () => {
  it.each([
    ['an octet over 255', '203.0.113.256/24'],
    ['an IPv4 prefix over 32', '203.0.113.0/33'],
    ['an IPv6 prefix over 128', '2001:db8::/129'],
    ['host bits after an IPv4 prefix', '203.0.113.7/24'],
    ['host bits after an IPv6 prefix', '2001:db8::1/32'],
    ['an empty prefix length', '203.0.113.0/'],
    ['a negative prefix length', '203.0.113.0/-1'],
    ['two slashes', '203.0.113.0/24/8'],
    ['a hostname', 'example.com/24'],
    ['three octets', '203.0.113/24'],
    ['leading zeros (octal in some parsers)', '010.0.0.0/8'],
    ['two :: in IPv6', '2001::db8::/32'],
    ['an IPv6 zone id', 'fe80::1%eth0/64'],
    ['an IPv4 tail before ::', '1.2.3.4::/32'],
    ['a space', '203.0.113.0 /24'],
    ['an empty string', ''],
  ])('refuses %s (%s) with its position', (_, cidr) => {
    for (const list of ['allow', 'deny'] as const) {
      const found = errors(withCidr(cidr, list));
      expect(found, `${list}: ${cidr}`).toHaveLength(1);
      expect(found[0]).toMatchObject({ line: 7 });
      expect(found[0]?.message).toContain(cidr === '' ? 'CIDR' : cidr);
    }
  });

  it('reports every bad CIDR of a file at once', () => {
    const text = [
      'version: 1',
      'routes:',
      '  - id: a',
      '    hosts: [a.example.com]',
      '    origin: https://backend.example.net',
      '    access:',
      "      allow: ['10.0.0.0/8', '10.0.0.0/40']",
      "      deny: ['10.1.1.1/8']",
      '  - id: b',
      '    hosts: [b.example.com]',
      '    origin: https://backend.example.net',
      "    access: { deny: ['::g/64'] }",
      '',
    ].join('\n');
    expect(errors(text).map((d) => d.line)).toEqual([7, 8, 12]);
  });

  it('compiles IPv4, IPv6 and bare addresses into networks', () => {
    const text = [
      'version: 1',
      'routes:',
      '  - id: api',
      '    hosts: [api.example.com]',
      '    origin: https://backend.example.net',
      '    access:',
      "      allow: ['203.0.113.0/24', '2001:db8::/32', '192.0.2.10', '::1', '0.0.0.0/0']",
      "      deny: ['203.0.113.66/32']",
      '',
    ].join('\n');
    const analysis = analyze(text);
    expect(errors(text)).toEqual([]);
    const access = analysis.table?.routes[0]?.access;
    expect(access?.allow.map((c) => [c.text, c.bits])).toEqual([
      ['203.0.113.0/24', 120],
      ['2001:db8::/32', 32],
      ['192.0.2.10', 128],
      ['::1', 128],
      ['0.0.0.0/0', 96],
    ]);
    expect(access?.allow[0]?.words).toEqual([0, 0, 0xffff, 0xcb007100]);
    expect(access?.deny[0]?.words).toEqual([0, 0, 0xffff, 0xcb007142]);
  });
});
