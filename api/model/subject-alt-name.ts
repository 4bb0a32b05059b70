// The one reader of subjectAltName strings as Node renders them (X509Certificate.subjectAltName,
// PeerCertificate.subjectaltname): `DNS:a, URI:spiffe://td/ns/x/sa/y`. Node writes a value that
// holds a separator or other unsafe character as a JSON string (`URI:"…\u002c…"`), so a value
// is unquoted before it is compared; one that does not parse is skipped, never trusted.

/** The URI entries of a subjectAltName string, unquoted; [] when there is none. */
export const uriSans = (subjectAltName: string | undefined): string[] => {
  if (!subjectAltName) return [];
  const out: string[] = [];
  for (const part of subjectAltName.split(', ')) {
    if (!part.startsWith('URI:')) continue;
    const value = part.slice(4);
    if (!value.startsWith('"')) {
      out.push(value);
      continue;
    }
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'string') out.push(parsed);
    } catch {
      // Not Node's quoting: no identity can be read from it.
    }
  }
  return out;
};

/** The SPIFFE ID among a certificate's URI SANs, if any. */
export const spiffeIdInSans = (subjectAltName: string | undefined): string | undefined =>
  uriSans(subjectAltName).find((u) => u.startsWith('spiffe://'));
