// Reads the SPIFFE ID (URI SAN) out of a peer certificate, and checks a server's against the one
// the snapshot expects. Read once per connection: identity cannot change within a TLS session.
import type { PeerCertificate } from 'node:tls';
import { spiffeIdInSans } from '../../api/model/subject-alt-name.ts';

/** Error code carried by the socket error when a server's identity is not the expected one. */
export const PEER_IDENTITY_MISMATCH = 'WEFT_PEER_IDENTITY_MISMATCH';

export const spiffeIdOf = (cert: PeerCertificate | undefined): string | undefined =>
  spiffeIdInSans(cert?.subjectaltname);

/** checkServerIdentity for tls.connect: the chain is already verified; this pins the SPIFFE ID. */
export const expectIdentity =
  (expected: string | undefined) =>
  (_host: string, cert: PeerCertificate): Error | undefined => {
    if (expected === undefined) return undefined;
    const actual = spiffeIdOf(cert);
    if (actual === expected) return undefined;
    const e = new Error(`server identity ${actual ?? '(none)'} is not the expected ${expected}`);
    (e as Error & { code: string }).code = PEER_IDENTITY_MISMATCH;
    return e;
  };
