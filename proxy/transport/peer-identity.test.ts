import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { expectIdentity, PEER_IDENTITY_MISMATCH, spiffeIdOf } from './peer-identity.ts';

const cert = (subjectaltname?: string): PeerCertificate => ({ subjectaltname }) as PeerCertificate;

describe('peer identity', () => {
  it('picks the SPIFFE ID among them', () => {
    expect(spiffeIdOf(cert('URI:https://x, URI:spiffe://td/ns/a/sa/b'))).toBe('spiffe://td/ns/a/sa/b');
    expect(spiffeIdOf(cert('DNS:x'))).toBeUndefined();
  });
  it('pins the server identity only when one is expected', () => {
    const id = 'spiffe://td/ns/a/sa/b';
    expect(expectIdentity(undefined)('h', cert('DNS:x'))).toBeUndefined();
    expect(expectIdentity(id)('h', cert(`URI:${id}`))).toBeUndefined();
    const e = expectIdentity(id)('h', cert('URI:spiffe://td/ns/a/sa/c')) as Error & { code: string };
    expect(e.code).toBe(PEER_IDENTITY_MISMATCH);
    expect(e.message).toContain('spiffe://td/ns/a/sa/c');
  });
});
