import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spiffeIdInSans, uriSans } from './subject-alt-name.ts';

describe('uriSans', () => {
  it('reads URI entries and skips the others', () => {
    expect(uriSans('DNS:a.b, URI:spiffe://td/ns/x/sa/y, IP Address:127.0.0.1')).toEqual([
      'spiffe://td/ns/x/sa/y',
    ]);
    expect(uriSans(undefined)).toEqual([]);
    expect(uriSans('')).toEqual([]);
  });

  it('unquotes the values Node writes as JSON strings', () => {
    expect(uriSans('URI:"https://e.x/a\\u002cb", URI:spiffe://td/ns/x/sa/y')).toEqual([
      'https://e.x/a,b',
      'spiffe://td/ns/x/sa/y',
    ]);
  });

  it('skips a quoted value that does not parse instead of throwing', () => {
    expect(uriSans('URI:"https://e.x/a, URI:spiffe://td/ns/x/sa/y')).toEqual(['spiffe://td/ns/x/sa/y']);
  });

  it('picks the SPIFFE ID among them', () => {
    expect(spiffeIdInSans('URI:https://x, URI:spiffe://td/ns/a/sa/b')).toBe('spiffe://td/ns/a/sa/b');
    expect(spiffeIdInSans('DNS:x')).toBeUndefined();
  });

  describe('on a certificate made by openssl', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-san-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads a URI SAN holding ", URI:" as one value, not as a second identity', () => {
      writeFileSync(
        join(dir, 'san.cnf'),
        [
          '[req]',
          'distinguished_name=dn',
          'x509_extensions=ext',
          '[dn]',
          '[ext]',
          'subjectAltName=@alt',
          '[alt]',
          'URI.1=https://e.x/a, URI:spiffe://td/ns/evil/sa/x',
          'DNS.1=a.b',
          'URI.2=spiffe://td/ns/x/sa/y',
        ].join('\n'),
      );
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-subj',
          '/CN=x',
          '-config',
          join(dir, 'san.cnf'),
        ],
        { stdio: 'ignore' },
      );
      const san = new X509Certificate(readFileSync(join(dir, 'cert.pem'))).subjectAltName;
      expect(uriSans(san)).toEqual(['https://e.x/a, URI:spiffe://td/ns/evil/sa/x', 'spiffe://td/ns/x/sa/y']);
      expect(spiffeIdInSans(san)).toBe('spiffe://td/ns/x/sa/y');
    });
  });
});
