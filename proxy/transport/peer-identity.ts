// Reads the SPIFFE ID (URI SAN) out of a peer certificate, and checks a server's against the one
// the snapshot expects. Read once per connection: identity cannot change within a TLS session.
import type { PeerCertificate } from 'node:tls';

/** Error code carried by the socket error when a server's identity is not the expected one. */
export const PEER_IDENTITY_MISMATCH = 'WEFT_PEER_IDENTITY_MISMATCH';

/** URI entries of a subjectAltName string such as `DNS:a, URI:spiffe://td/ns/x/sa/y`. */
export const uriSans = (subjectaltname: string | undefined): string[] => {
  if (!subjectaltname) return [];
  const out: string[] = [];
  for (const part of subjectaltname.split(', ')) {
    if (!part.startsWith('URI:')) continue;
    const value = part.slice(4);
    // Node quotes (JSON-style) values holding characters that would break the list format.
    out.push(value.startsWith('"') ? (JSON.parse(value) as string) : value);
  }
  return out;
};

export const spiffeIdOf = (cert: PeerCertificate | undefined): string | undefined =>
  uriSans(cert?.subjectaltname).find((u) => u.startsWith('spiffe://'));

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
